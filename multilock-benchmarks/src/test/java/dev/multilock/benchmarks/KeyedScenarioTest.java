package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs KeyedBenchmark's methods outside JMH, for every contender: each completes (no hang, no
 * failed critical section), and the family keeps no key once they are done, which is what the
 * benchmark's own tear-down checks in every trial.
 */
final class KeyedScenarioTest {

    private static final int THREADS = 4;
    private static final int OPERATIONS = 20_000;

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void uncontended_everyMethod_leavesNoKey(KeyedContender contender) {
        KeyedBenchmark b = new KeyedBenchmark();
        KeyedBenchmark.OneThread s = new KeyedBenchmark.OneThread();
        s.contender = contender;
        s.setUp();
        for (int i = 0; i < 2 * KeyedBenchmark.FRESH_KEYS; i++) {
            b.freshKeyShared(s);
            b.freshKeyExclusive(s);
            b.sameKeyShared(s);
            b.sameKeyExclusive(s);
            b.plainLockShared(s);
            b.plainLockExclusive(s);
        }
        s.tearDown(); // throws if the family kept a key
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void contendedBlocking_fourThreads_completeAndLeaveNoKey(KeyedContender contender)
            throws Exception {
        contended(contender, false);
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void contendedAsync_fourThreads_completeAndLeaveNoKey(KeyedContender contender)
            throws Exception {
        long[] counts = contended(contender, true);
        assertEquals((long) THREADS * OPERATIONS, counts[0] + counts[1], "every request counted");
        if (contender.create().isAsync()) {
            assertTrue(counts[0] > 0, "most requests of 16 keys are granted at once");
        } else {
            assertEquals(0, counts[1], "a blocking family never leaves a request pending");
        }
    }

    /**
     * Runs one contended method on 16 keys; returns the requests granted and left pending (both
     * zero for the blocking method, which counts nothing).
     */
    private static long[] contended(KeyedContender contender, boolean async) throws Exception {
        KeyedBenchmark b = new KeyedBenchmark();
        KeyedBenchmark.Keys keys = new KeyedBenchmark.Keys();
        keys.contender = contender;
        keys.keys = 16;
        keys.mix = "90:10";
        keys.work = 10;
        keys.setUp();
        ExecutorService pool = DaemonThreads.fixedPool("keyed-scenario", THREADS);
        long[] counts = new long[2];
        try {
            List<Future<KeyedBenchmark.Requests>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int index = t;
                done.add(pool.submit(() -> {
                    KeyedBenchmark.Worker w = new KeyedBenchmark.Worker();
                    w.init(keys, index);
                    KeyedBenchmark.Requests requests = new KeyedBenchmark.Requests();
                    for (int i = 0; i < OPERATIONS; i++) {
                        if (async) {
                            b.contendedAsync(keys, w, requests);
                        } else {
                            b.contendedBlocking(keys, w);
                        }
                    }
                    w.drain(); // throws on a hang or a failed critical section
                    return requests;
                }));
            }
            for (Future<KeyedBenchmark.Requests> f : done) {
                KeyedBenchmark.Requests r = f.get(60, TimeUnit.SECONDS);
                counts[0] += r.granted;
                counts[1] += r.pending;
            }
        } finally {
            DaemonThreads.shutdown(pool);
        }
        keys.tearDown(); // throws if the family kept a key
        return counts;
    }
}
