package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Keyed locks: a family of locks, one per key ("lock this order"), against the other ways to get
 * one on the JVM ({@link KeyedContender}: multilock's {@code KeyedMultiLock}, async-util's
 * {@code FairAsyncNamedReadWriteLock}, Guava's {@code Striped.lazyWeakReadWriteLock}, and a
 * hand-written reference-counted map of {@code ReentrantReadWriteLock}s). Every score is ns per
 * operation; run with {@code -prof gc} for the bytes allocated per operation.
 *
 * <p><b>(a) The cost of a key</b>, one thread, nothing competing. A keyed family that drops the
 * state of idle keys (all but Guava's, which keeps a bounded set of stripes instead) creates and
 * drops that state on every acquire + release of a key nobody else uses, which is what most
 * acquisitions of a keyed lock are (one order, one file, one user at a time). The methods
 * measure one acquire + release pair, SHARED and EXCLUSIVE, through the waiting path
 * ({@code family.get(key).lock(type)}, async-util's {@code acquireReadLock(key)}
 * joined, {@code lock()} for the blocking families), on:
 * <ul>
 *   <li>{@code freshKey*}: a key with no state each time: the next of {@value #FRESH_KEYS}
 *       distinct keys in turn, so that every family has dropped the key's state (if it drops
 *       any) long before the key comes back. The keys are made once, so the key objects cost
 *       nothing per operation and {@code -prof gc} counts only the family's allocations.
 *   <li>{@code sameKey*}: one key every time, through the same calls. The families that drop
 *       idle state still create and drop it at each pair (nothing else holds the key between
 *       pairs), so the row separates the cost of a new key (another hash, other cache lines)
 *       from that of the state; for Guava it is one stripe, always the same.
 *   <li>{@code plainLock*}: the reference, one long-lived plain lock of the kind the family is
 *       made of, with no key ({@link KeyedContender#plain()}: a {@code MultiLock}, async-util's
 *       {@code FairAsyncReadWriteLock}, a non-fair {@code ReentrantReadWriteLock}), through the
 *       {@link LockAdapter} of {@link UncontendedBenchmark}. The report divides each
 *       {@code freshKey} score by it: what the key costs over a lock made once.
 * </ul>
 *
 * <p><b>(b) Contention over keys</b>, {@code @Threads(4)} (or {@code -t}): every thread loops
 * over operations on a shared family, each on a key drawn by a per-thread xorshift generator
 * from {@link Keys#keys} keys (16: threads often meet on a key; 1,024: they rarely do, and the cost
 * is mostly the family's map), in a mode drawn from a read:write {@link Keys#mix} (90:10, see
 * {@link Mix}), around a short critical section ({@code Blackhole.consumeCPU(work)}). The key
 * objects are made once, with hash codes spread like those of real keys rather than
 * consecutive small integers that a hash table places without collisions.
 * <ul>
 *   <li>{@code contendedBlocking}: the thread waits for each grant ({@code lock(...)};
 *       {@code lock()}), runs the critical section and releases. The thread-blocking user.
 *   <li>{@code contendedAsync}: {@code acquire(type).whenComplete((token, failure) -> { work;
 *       release })}, as {@link AsyncThroughputBenchmark} does, but issued by the benchmark
 *       threads themselves, with no executor in between: a request that cannot be granted at once
 *       leaves its continuation behind and the thread goes on with the next operation; the
 *       continuation runs where the key is released. A thread keeps at most {@value #WINDOW}
 *       requests pending (it waits for its oldest before issuing more), as a server bounds the
 *       requests it has in flight. The score is per request issued, which in the steady state
 *       is per critical section. Guava and the hand-written map have no asynchronous API: they
 *       take part by blocking the thread in {@code lock()} and completing at once, which is what
 *       their users do. The {@link Requests} counters say how many requests were left pending.
 * </ul>
 * Total throughput is {@code threads / score}. Every family is checked to hold no key state at
 * the end of a trial (where it can tell), so a family that leaks keys fails the run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class KeyedBenchmark {

    /** Distinct keys the {@code freshKey*} methods take in turn; a power of two. */
    static final int FRESH_KEYS = 4096;

    /** Requests one thread of {@code contendedAsync} may have pending; a power of two. */
    static final int WINDOW = 16;

    /**
     * Makes {@code n} distinct keys whose hash codes are spread over the whole {@code int} range
     * (the index times an odd constant, a bijection), as real keys' are.
     *
     * @param n how many
     * @return the keys
     */
    static Integer[] keys(int n) {
        Integer[] keys = new Integer[n];
        for (int i = 0; i < n; i++) {
            keys[i] = i * 0x9E3779B9;
        }
        return keys;
    }

    /** Fails if an idle family still keeps state for some key. */
    static void checkIdle(KeyedLockAdapter family) {
        int size = family.size();
        if (size > 0) {
            throw new IllegalStateException("an idle family keeps state for " + size + " keys: "
                    + family);
        }
    }

    // ---- (a) the cost of a key ----

    /** One thread's family and plain lock, for scenario (a). */
    @State(Scope.Thread)
    public static class OneThread {
        /** The family under test. */
        @Param
        public KeyedContender contender;

        KeyedLockAdapter family;
        LockAdapter plain;
        Integer[] fresh;
        Integer same;
        int next;

        /** Creates this thread's family, its plain lock and the keys. */
        @Setup
        public void setUp() {
            family = contender.create();
            plain = contender.plain().create();
            fresh = keys(FRESH_KEYS);
            same = fresh[0];
        }

        /** Checks that the family kept no key. */
        @TearDown
        public void tearDown() {
            checkIdle(family);
        }

        Integer nextFreshKey() {
            int i = next;
            next = (i + 1) & (FRESH_KEYS - 1);
            return fresh[i];
        }
    }

    private static Object keyed(OneThread s, Integer key, boolean exclusive) {
        Object token = s.family.acquire(key, exclusive);
        s.family.release(exclusive, token);
        return token;
    }

    private static Object plain(OneThread s, boolean exclusive) {
        Object token = s.plain.acquire(exclusive);
        s.plain.release(exclusive, token);
        return token;
    }

    /**
     * Shared acquire + release of a key with no state.
     *
     * @param s this thread's family
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    @Threads(1)
    public Object freshKeyShared(OneThread s) {
        return keyed(s, s.nextFreshKey(), false);
    }

    /**
     * Exclusive acquire + release of a key with no state.
     *
     * @param s this thread's family
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    @Threads(1)
    public Object freshKeyExclusive(OneThread s) {
        return keyed(s, s.nextFreshKey(), true);
    }

    /**
     * Shared acquire + release of the same key every time.
     *
     * @param s this thread's family
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    @Threads(1)
    public Object sameKeyShared(OneThread s) {
        return keyed(s, s.same, false);
    }

    /**
     * Exclusive acquire + release of the same key every time.
     *
     * @param s this thread's family
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    @Threads(1)
    public Object sameKeyExclusive(OneThread s) {
        return keyed(s, s.same, true);
    }

    /**
     * Shared acquire + release of one long-lived plain lock: the reference of {@code freshKey}.
     *
     * @param s this thread's plain lock
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    @Threads(1)
    public Object plainLockShared(OneThread s) {
        return plain(s, false);
    }

    /**
     * Exclusive acquire + release of one long-lived plain lock: the reference of
     * {@code freshKey}.
     *
     * @param s this thread's plain lock
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    @Threads(1)
    public Object plainLockExclusive(OneThread s) {
        return plain(s, true);
    }

    // ---- (b) contention over keys ----

    /** The family the threads of scenario (b) share, and its keys. */
    @State(Scope.Benchmark)
    public static class Keys {
        /** The family under test. */
        @Param
        public KeyedContender contender;

        /** Distinct keys the threads choose from. */
        @Param({"16", "1024"})
        public int keys;

        /** Reads and writes per pass, as {@code reads:writes}. */
        @Param("90:10")
        public String mix;

        /** The critical section, in {@link Blackhole#consumeCPU(long)} tokens. */
        @Param("10")
        public int work;

        KeyedLockAdapter family;
        Integer[] keyObjects;

        /** Creates the shared family and the keys. */
        @Setup
        public void setUp() {
            if (keys < 1) {
                throw new IllegalArgumentException("keys must be positive: " + keys);
            }
            family = contender.create();
            keyObjects = keys(keys);
            Mix.parse(mix, 0); // fail fast on a malformed mix
        }

        /** Checks that the family kept no key once every request has completed. */
        @TearDown
        public void tearDown() {
            checkIdle(family);
        }
    }

    /** One thread's modes, key generator and pending requests, for scenario (b). */
    @State(Scope.Thread)
    public static class Worker {
        Keys keys;
        Mix modes;
        /** xorshift32 state; never 0. */
        int random;
        /** The completions of this thread's last {@value KeyedBenchmark#WINDOW} requests. */
        final CompletableFuture<?>[] window = new CompletableFuture<?>[WINDOW];
        int slot;
        BiConsumer<Object, Throwable> readSection;
        BiConsumer<Object, Throwable> writeSection;

        /**
         * Seeds this thread's modes and keys with its index, and builds its continuations.
         *
         * @param shared the family and its parameters
         * @param thread this thread's index
         */
        @Setup
        public void setUp(Keys shared, ThreadParams thread) {
            init(shared, thread.getThreadIndex());
        }

        /** {@link #setUp}, without JMH's {@code ThreadParams}: for the tests. */
        void init(Keys shared, int index) {
            keys = shared;
            modes = Mix.parse(shared.mix, 0x5EED + index);
            random = 0x9E3779B9 * (index + 1) | 1;
            KeyedLockAdapter family = shared.family;
            int work = shared.work;
            readSection = (token, failure) -> section(family, false, token, failure, work);
            writeSection = (token, failure) -> section(family, true, token, failure, work);
        }

        /** Draws the next key: xorshift32, then a multiply-shift into {@code [0, keys)}. */
        Integer nextKey() {
            int x = random;
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            random = x;
            return keys.keyObjects[(int) (((x & 0xFFFFFFFFL) * keys.keys) >>> 32)];
        }

        /**
         * Waits until every request of this thread has completed, so that no work of one
         * iteration runs in the next.
         */
        @TearDown(Level.Iteration)
        public void drain() {
            for (int i = 0; i < WINDOW; i++) {
                CompletableFuture<?> pending = window[i];
                if (pending != null) {
                    await(pending);
                    window[i] = null;
                }
            }
        }

        /** Waits for one request's critical section, failing on a failure or a hang. */
        void await(CompletableFuture<?> pending) {
            try {
                pending.get(DaemonThreads.HANG_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a request", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a critical section failed", e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("hang: a request still pending after "
                        + DaemonThreads.HANG_TIMEOUT_SECONDS + " s; family: " + keys.family, e);
            }
        }
    }

    private static void section(KeyedLockAdapter family, boolean exclusive, Object token,
            Throwable failure, int work) {
        if (failure != null) {
            return; // the stage whenComplete returns fails with it; the thread sees it there
        }
        Blackhole.consumeCPU(work);
        family.release(exclusive, token);
    }

    /**
     * How {@code contendedAsync} requests came back: granted, or pending (the thread went on
     * without the grant). The blocking families always count as granted, after blocking.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Requests {
        /** Requests granted by the time the acquisition returned. */
        public long granted;
        /** Requests left pending, to be granted by a later release on another thread. */
        public long pending;

        /** Starts each iteration's counts at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            granted = 0;
            pending = 0;
        }
    }

    /**
     * Waits for the grant of a random key in the next mode of the mix, runs the critical section,
     * releases.
     *
     * @param keys the shared family
     * @param worker this thread's modes and keys
     */
    @Benchmark
    @Threads(4)
    public void contendedBlocking(Keys keys, Worker worker) {
        boolean exclusive = worker.modes.nextExclusive();
        Object token = keys.family.acquire(worker.nextKey(), exclusive);
        Blackhole.consumeCPU(keys.work);
        keys.family.release(exclusive, token);
    }

    /**
     * Requests a random key in the next mode of the mix, with the critical section and the
     * release as its continuation; first waits for this thread's oldest request if
     * {@value #WINDOW} are pending.
     *
     * @param keys the shared family
     * @param worker this thread's modes, keys and pending requests
     * @param requests counts of requests granted at once and left pending
     */
    @Benchmark
    @Threads(4)
    public void contendedAsync(Keys keys, Worker worker, Requests requests) {
        int i = worker.slot;
        worker.slot = (i + 1) & (WINDOW - 1);
        CompletableFuture<?> oldest = worker.window[i];
        if (oldest != null && (!oldest.isDone() || oldest.isCompletedExceptionally())) {
            worker.await(oldest);
        }
        boolean exclusive = worker.modes.nextExclusive();
        CompletableFuture<?> acquisition =
                keys.family.acquireAsync(worker.nextKey(), exclusive).toCompletableFuture();
        if (acquisition.isDone()) {
            requests.granted++;
        } else {
            requests.pending++;
        }
        worker.window[i] =
                acquisition.whenComplete(exclusive ? worker.writeSection : worker.readSection);
    }
}
