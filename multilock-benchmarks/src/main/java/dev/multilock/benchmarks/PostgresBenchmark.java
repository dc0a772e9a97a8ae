package dev.multilock.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Locks across processes on PostgreSQL, inside one process: multilock-postgres against plain JDBC
 * advisory locks ({@link PgContender}), both over a HikariCP pool, on the throwaway server that
 * {@code run.sh} starts (its URL in {@value PgServer#URL_PROPERTY}). What multilock-postgres
 * promises to save is the server round trip of each acquisition, so every row says how many it
 * pays.
 *
 * <p><b>{@code handoff}: hand-off inside one process</b>, {@value #HANDOFF_THREADS} threads
 * ({@code @Threads}, or {@code -t}) take one key EXCLUSIVE back to back, with nothing in the
 * critical section, and release it. Score: acquisitions per second over all threads (ops/s; the
 * report gives ns per acquisition, its inverse).
 * <ul>
 *   <li>multilock ({@code acquire(EXCLUSIVE).join()}, or {@code lock(EXCLUSIVE)} for
 *       {@code MULTILOCK_LOCK}): the requests queue in the process's local lock-free lock and
 *       share the process's one server lock of the key, which it keeps while a request of this
 *       process wants the key; each release hands the key to the next thread inside the process
 *       without a round trip. The only statements are a fencing-token reservation every 65,536
 *       grants and the heartbeat's, every 2 s.
 *   <li>plain JDBC: every acquisition takes a pooled connection and waits in the server's queue
 *       ({@code pg_advisory_lock}); every release is a round trip ({@code pg_advisory_unlock})
 *       on which the server grants the next waiting session, whose client then reads the grant:
 *       two round trips per acquisition and a wake-up of a server process.
 * </ul>
 * Both are strictly FIFO (PostgreSQL grants a released advisory lock to its first waiter), so
 * every acquisition should be a hand-off to another thread; the {@link Passes} counters say so
 * and each critical section checks that it is alone.
 *
 * <p><b>{@code freshKeyLock}, {@code freshKeyTry}: uncontended acquire + release of a fresh
 * key</b>, one thread, the next of {@value #FRESH_KEYS} keys each time (no key is held when its
 * turn comes again). Score: ns per acquire + release pair.
 * <ul>
 *   <li>multilock: nothing of this process holds the key, so the acquisition is a
 *       {@code pg_try_advisory_lock} round trip on the library's shared session, then the
 *       reservation of a block of fencing tokens (an {@code INSERT ... ON CONFLICT DO UPDATE}
 *       round trip, a committed write); the release is {@code pg_advisory_unlock} and a
 *       {@code pg_notify} for the watchers of other processes (two round trips, the second a
 *       committed transaction), sent after {@code release()} returns but before the next
 *       acquisition's statements on the same session. Four statements per pair. The waiting
 *       ({@code freshKeyLock}: {@code acquire().join()}, {@code lock()}) and the non-waiting
 *       entry ({@code freshKeyTry}: {@code tryAcquire}) take the same path here.
 *   <li>plain JDBC: a pooled connection, {@code pg_advisory_lock} ({@code freshKeyLock}) or
 *       {@code pg_try_advisory_lock} ({@code freshKeyTry}), {@code pg_advisory_unlock}: two
 *       round trips, no write, no fencing token.
 * </ul>
 * On the benchmark server {@code fsync} and {@code synchronous_commit} are off (see
 * {@code run.sh}), so multilock's two committed statements cost a round trip each; on a durable
 * server each also waits for a WAL flush ({@code PG_DURABLE=1 run.sh postgres} measures that).
 *
 * <p>Every trial ends by checking that the server holds no advisory lock once the contender's
 * sessions are closed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PostgresBenchmark {

    /** Threads of {@code handoff}. */
    static final int HANDOFF_THREADS = 4;

    /** Keys the {@code freshKey*} methods take in turn; a power of two. */
    static final int FRESH_KEYS = 4096;

    /** Connections of the pool beyond one per benchmark thread: multilock's own sessions. */
    static final int SPARE_CONNECTIONS = 4;

    // ---- hand-off inside one process ----

    /** The lock of {@code handoff}, shared by its threads. */
    @State(Scope.Benchmark)
    public static class Handoff {
        /** The contender. */
        @Param({"MULTILOCK", "MULTILOCK_LOCK", "JDBC"})
        public PgContender contender;

        String url;
        HikariDataSource pool;
        PgLocks locks;
        /** How many threads are in the critical section: 1 while one is, else 0. */
        final AtomicInteger inside = new AtomicInteger();
        /** The thread that held the key last; written in the critical section. */
        volatile Thread holder;

        /**
         * Opens the pool (a connection per thread and {@value #SPARE_CONNECTIONS} more), creates
         * the contender's locks and takes the key once, so that multilock's sessions are open
         * before the first iteration.
         *
         * @param params JMH's parameters, for the thread count
         */
        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            url = PgServer.url();
            pool = PgServer.pool(url, params.getThreads() + SPARE_CONNECTIONS, "handoff");
            locks = contender.create(pool, "PostgresBenchmark.handoff", 1);
            locks.unlock(0, locks.lock(0));
        }

        /** Closes the locks and the pool, then checks that no advisory lock is left. */
        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                locks.close();
            } finally {
                pool.close();
            }
            PgServer.checkNoAdvisoryLocks(url);
        }

        /** The critical section: checks exclusion and counts where the key came from. */
        void enter(Passes passes) {
            if (inside.incrementAndGet() != 1) {
                throw new IllegalStateException("two threads hold the key EXCLUSIVE at once: "
                        + locks);
            }
            Thread me = Thread.currentThread();
            if (holder == me) {
                passes.reacquisitions++;
            } else {
                passes.handoffs++;
                holder = me;
            }
            inside.decrementAndGet();
        }
    }

    /** Acquisitions that took the key over from another thread, and those that did not. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Passes {
        /** Acquisitions that took the key from another thread. */
        public long handoffs;
        /** Acquisitions by the thread that had released the key last. */
        public long reacquisitions;

        /** Starts each iteration's counts at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            handoffs = 0;
            reacquisitions = 0;
        }
    }

    /**
     * One acquisition of the shared key: wait for it, check the critical section, release.
     *
     * @param s the key
     * @param passes the hand-off counters
     */
    @Benchmark
    @Threads(HANDOFF_THREADS)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void handoff(Handoff s, Passes passes) {
        Object token = s.locks.lock(0);
        try {
            s.enter(passes);
        } finally {
            s.locks.unlock(0, token);
        }
    }

    // ---- uncontended, a fresh key each time ----

    /** One thread's locks and keys for the {@code freshKey*} methods. */
    @State(Scope.Thread)
    public static class OneThread {
        /** The contender. */
        @Param({"MULTILOCK", "MULTILOCK_LOCK", "JDBC"})
        public PgContender contender;

        String url;
        HikariDataSource pool;
        PgLocks locks;
        int next;

        /**
         * Opens a pool of {@value #SPARE_CONNECTIONS} + 1 connections and the contender's locks,
         * and takes a key once, so that multilock's sessions are open before the first
         * iteration.
         */
        @Setup(Level.Trial)
        public void setUp() {
            url = PgServer.url();
            pool = PgServer.pool(url, 1 + SPARE_CONNECTIONS, "fresh-key");
            locks = contender.create(pool, "PostgresBenchmark.freshKey", FRESH_KEYS);
            locks.unlock(0, locks.lock(0));
        }

        /** Closes the locks and the pool, then checks that no advisory lock is left. */
        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                locks.close();
            } finally {
                pool.close();
            }
            PgServer.checkNoAdvisoryLocks(url);
        }

        /** The next key, round the {@value #FRESH_KEYS} keys. */
        int nextKey() {
            return next++ & (FRESH_KEYS - 1);
        }
    }

    /**
     * Waits for a fresh key ({@code acquire(EXCLUSIVE).join()}, {@code lock(EXCLUSIVE)},
     * {@code pg_advisory_lock}) and releases it.
     *
     * @param s this thread's locks
     * @return the acquisition's token
     */
    @Benchmark
    @Threads(1)
    public Object freshKeyLock(OneThread s) {
        int key = s.nextKey();
        Object token = s.locks.lock(key);
        s.locks.unlock(key, token);
        return token;
    }

    /**
     * Takes a fresh key without waiting ({@code tryAcquire(EXCLUSIVE)},
     * {@code pg_try_advisory_lock}) and releases it; nothing else holds it, so the try succeeds.
     *
     * @param s this thread's locks
     * @return the acquisition's token
     */
    @Benchmark
    @Threads(1)
    public Object freshKeyTry(OneThread s) {
        int key = s.nextKey();
        Object token = s.locks.tryLock(key);
        if (token == null) {
            throw new IllegalStateException("a try on key " + key + ", which nothing holds, was"
                    + " refused: " + s.locks);
        }
        s.locks.unlock(key, token);
        return token;
    }
}
