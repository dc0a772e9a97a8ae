package dev.multilock.tests;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A second thread that runs one action at the same moment as the calling thread runs another,
 * once per {@link #race}, for races whose window is a few hundred nanoseconds wide.
 *
 * <p>Both sides start on a volatile generation number that the racer thread watches, not on a
 * {@code CyclicBarrier}: a parked thread takes microseconds to wake, far longer than the windows
 * raced here. Each side then spins a given number of times before it acts, so that a test can
 * sweep the alignment of the two sides over its iterations. Waiting is bounded: the racer thread
 * spins a little, then yields, and the caller gives up after {@link #TIMEOUT_SECONDS}.
 */
final class Racer implements AutoCloseable {

    /** How long the caller waits for the racer thread to finish its side. */
    static final long TIMEOUT_SECONDS = 10;

    /** For {@link #awaitUntil}: wait without a time limit. */
    private static final long UNBOUNDED = -1L;

    /** Spins before a waiting side starts yielding its core (2 cores in CI). */
    private static final int SPINS_BEFORE_YIELD = 1 << 12;

    private final Thread thread;
    /** The racer's action; published by the volatile write of {@link #started}. */
    private Runnable task;
    /** The racer's spins before it acts; published by the volatile write of started. */
    private int taskSpins;
    /** What the racer's action threw; published by the volatile write of finished. */
    private Throwable failure;
    private volatile long started;
    private volatile long finished;
    private volatile boolean closed;
    /** The generation of the last race; caller only. */
    private long generation;

    Racer(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code onRacer} on the racer thread and {@code onCaller} on this thread, started at the
     * same moment, and returns when both have finished.
     *
     * @param onRacer the racer thread's side
     * @param racerSpins spins the racer thread waits after the start before it acts
     * @param onCaller this thread's side
     * @param callerSpins spins this thread waits after the start before it acts
     * @throws AssertionError if either side threw (the other's failure suppressed), or the
     *     racer thread did not finish within {@link #TIMEOUT_SECONDS}
     */
    void race(Runnable onRacer, int racerSpins, Runnable onCaller, int callerSpins) {
        long g = ++generation;
        task = onRacer; // published by the volatile write of started
        taskSpins = racerSpins; // published by the volatile write of started
        failure = null; // published by the volatile write of started
        started = g;
        spin(callerSpins);
        Throwable callerFailure = null;
        try {
            onCaller.run();
        } catch (Throwable t) {
            callerFailure = t;
        }
        if (!awaitUntil(() -> finished == g, TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS))) {
            throw new AssertionError("the racer thread did not finish its side within "
                    + TIMEOUT_SECONDS + " s: a call on the lock does not return (rule 6: "
                    + "no blocking inside)", callerFailure);
        }
        Throwable racerFailure = failure; // ordered by the volatile read of finished
        if (callerFailure != null || racerFailure != null) {
            AssertionError e = new AssertionError("a side of the race threw",
                    callerFailure != null ? callerFailure : racerFailure);
            if (callerFailure != null && racerFailure != null) {
                e.addSuppressed(racerFailure);
            }
            throw e;
        }
    }

    /** Stops the racer thread and waits for it, for {@link #TIMEOUT_SECONDS} at most. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        long seen = 0;
        for (;;) {
            long s = seen;
            awaitUntil(() -> started != s || closed, UNBOUNDED);
            long g = started;
            if (g == seen) {
                return; // closed
            }
            seen = g;
            Runnable t = task; // ordered by the volatile read of started
            spin(taskSpins);
            try {
                t.run();
            } catch (Throwable x) {
                failure = x; // published by the volatile write of finished
            }
            finished = g;
        }
    }

    /**
     * Waits, spinning then yielding, until {@code done} holds or {@code timeoutNanos} have passed
     * ({@link #UNBOUNDED}: no limit; the racer thread waits so for the next race).
     */
    private static boolean awaitUntil(BooleanSupplier done, long timeoutNanos) {
        long start = System.nanoTime();
        for (int n = 0; !done.getAsBoolean(); n++) {
            if (n < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                if (timeoutNanos != UNBOUNDED && (n & 63) == 0
                        && System.nanoTime() - start > timeoutNanos) {
                    return false;
                }
                Thread.yield();
            }
        }
        return true;
    }

    /** Spins {@code spins} times: a delay of a few nanoseconds each, without yielding. */
    static void spin(int spins) {
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
        }
    }
}
