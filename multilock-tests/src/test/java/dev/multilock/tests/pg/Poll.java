package dev.multilock.tests.pg;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting, bounded in time, for what another process does (a server drops a killed session's
 * locks, a child reaches a state): there is nothing to be notified by, so a probe is asked
 * again every few milliseconds until it answers as wanted or the time is up.
 */
public final class Poll {

    /** The pause between two probes. */
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Poll() {}

    /**
     * Asks {@code probe} until {@code done} accepts its answer, and returns that answer; once
     * {@code limit} has passed, fails with an {@link AssertionError} that says {@code what} was
     * awaited and the last answer.
     */
    public static <T> T until(Duration limit, Supplier<? extends T> probe,
            Predicate<? super T> done, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            T answer = probe.get();
            if (done.test(answer)) {
                return answer;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(what + ": not within " + limit.toMillis()
                        + " ms; last seen: " + answer);
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting: " + what);
            }
            LockSupport.parkNanos(PAUSE_NANOS); // between probes; the probe decides
        }
    }
}
