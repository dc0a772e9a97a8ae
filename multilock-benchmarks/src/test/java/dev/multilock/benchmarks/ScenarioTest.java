package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs scenario 3 and 4 invocations outside JMH, for every contender: each completes (no hang,
 * no lost task), and the asynchronous chains of scenario 4 really alternate, which is what makes
 * its score a hand-off latency. The virtual-thread scenario runs where the JDK has virtual
 * threads, and elsewhere must refuse to start with a message that says which JDK to use.
 */
final class ScenarioTest {

    @ParameterizedTest
    @EnumSource(Contender.class)
    void asyncThroughput_invocation_completesEveryCriticalSection(Contender contender)
            throws Exception {
        asyncThroughput(contender, 1);
        asyncThroughput(contender, 100);
    }

    private static void asyncThroughput(Contender contender, int batch) throws Exception {
        AsyncThroughputBenchmark b = new AsyncThroughputBenchmark();
        b.contender = contender;
        b.pool = 2;
        // not 50:50: the hand-written baseline is not stack-safe and can overflow there
        b.mix = "90:10";
        b.work = 10;
        b.batch = batch;
        b.setUp();
        try {
            for (int i = 0; i < 20; i++) {
                b.criticalSections(); // throws on a hang or a failed task
            }
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Contender.class, names = "NOOP", mode = EnumSource.Mode.EXCLUDE)
    void handoff_invocation_asyncChainsAlternate(Contender contender) throws Exception {
        HandoffBenchmark b = new HandoffBenchmark();
        b.contender = contender;
        b.setUp();
        try {
            HandoffBenchmark.Passes passes = new HandoffBenchmark.Passes();
            for (int i = 0; i < 5; i++) {
                passes.reset();
                b.handoff(passes);
                assertEquals(HandoffBenchmark.ACQUISITIONS,
                        passes.handoffs + passes.reacquisitions, "every acquisition counted");
                if (contender.create().isAsync()) {
                    assertTrue(passes.handoffs >= HandoffBenchmark.ACQUISITIONS - 1,
                            "FIFO chains must alternate: " + passes.handoffs + " hand-offs");
                }
            }
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Contender.class,
            names = {"MULTILOCK_LOCK", "MULTILOCK", "RRWL_NONFAIR", "RRWL_FAIR"})
    void virtualThreads_invocation_everyThreadFinishes(Contender contender) throws Exception {
        assumeTrue(VirtualThreads.supported(), "virtual threads need JDK 21+");
        VirtualThreadBenchmark b = new VirtualThreadBenchmark();
        b.contender = contender;
        b.mix = "90:10";
        b.work = 10;
        b.setUp();
        for (int i = 0; i < 3; i++) {
            b.startThreads();
            b.criticalSections(); // throws on a hang or a failed thread
        }
    }

    @Test
    void virtualThreads_jdkBefore21_failsSayingWhichJdkToUse() {
        assumeFalse(VirtualThreads.supported(), "this JDK has virtual threads");
        VirtualThreadBenchmark b = new VirtualThreadBenchmark();
        b.contender = Contender.MULTILOCK_LOCK;
        b.mix = "90:10";
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                b::setUp);
        assertTrue(e.getMessage().contains("JDK 21") && e.getMessage().contains("JAVA_HOME"),
                e.getMessage());
    }
}
