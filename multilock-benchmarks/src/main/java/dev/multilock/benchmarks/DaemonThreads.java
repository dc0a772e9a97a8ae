package dev.multilock.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixed pools of daemon threads for the benchmarks that run work off the JMH threads: daemon, so
 * that a benchmark that failed with tasks still blocked cannot keep its forked JVM alive.
 */
final class DaemonThreads {

    /** How long a benchmark waits for the work of one invocation before it declares a hang. */
    static final long HANG_TIMEOUT_SECONDS = 60;

    private DaemonThreads() {}

    /**
     * Creates a fixed pool.
     *
     * @param name the prefix of the threads' names
     * @param threads the number of threads
     * @return a pool of exactly {@code threads} daemon threads
     */
    static ExecutorService fixedPool(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(threads, factory);
    }

    /**
     * Stops a pool, interrupting what still runs, and waits a little for it.
     *
     * @param pool the pool to stop
     * @throws InterruptedException if interrupted while waiting
     */
    static void shutdown(ExecutorService pool) throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
    }
}
