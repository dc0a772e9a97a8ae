package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One call that may wait, run on a daemon thread of its own, so that a test can see it wait,
 * interrupt it, and collect what it returned or threw, each within bounded time.
 *
 * <p>"Waiting" is observed, not assumed: {@link #awaitParked()} polls until the thread is parked
 * ({@code WAITING} or {@code TIMED_WAITING}) inside {@code LockSupport.park} (it has a
 * {@linkplain LockSupport#getBlocker blocker}). A thread parks in a lock only after its request is
 * queued, so a request made after {@code awaitParked()} returns arrived after this one.
 *
 * @param <T> what the call returns
 */
final class BlockedCall<T> {

    /** How long any wait of this class lasts at most. */
    static final long TIMEOUT_SECONDS = 10;

    /** The call, which may throw anything. */
    interface Body<T> {
        T call() throws Exception;
    }

    private final Thread thread;
    private final CountDownLatch done = new CountDownLatch(1);
    /** Published by the latch. */
    private T value;
    /** Published by the latch. */
    private Throwable thrown;
    /** The thread's interrupt status right after the call ended; published by the latch. */
    private boolean interruptedAtEnd;

    private BlockedCall(String name, Body<T> body) {
        thread = new Thread(() -> {
            try {
                value = body.call();
            } catch (Throwable t) {
                thrown = t;
            }
            interruptedAtEnd = Thread.interrupted();
            done.countDown();
        }, name);
        thread.setDaemon(true); // a call stuck in a broken lock must not keep the JVM alive
    }

    /** Starts {@code body} on a new thread named {@code name}. */
    static <T> BlockedCall<T> start(String name, Body<T> body) {
        BlockedCall<T> call = new BlockedCall<>(name, body);
        call.thread.start();
        return call;
    }

    Thread thread() {
        return thread;
    }

    /** Interrupts the thread of the call. */
    void interrupt() {
        thread.interrupt();
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    /**
     * Waits until the call is parked, waiting for something; fails if it ended instead, or did
     * not park within {@link #TIMEOUT_SECONDS}.
     */
    BlockedCall<T> awaitParked() {
        awaitState("park", this::isParked);
        return this;
    }

    /**
     * Waits until the call, interrupted, has cleared its interrupt status and parked again: it has
     * seen the interrupt and gone back to waiting. A call that busy-waits with the status set, or
     * returns, fails this.
     */
    void awaitParkedAgainAfterInterrupt() {
        awaitState("park again with its interrupt status cleared",
                () -> isParked() && !thread.isInterrupted());
    }

    /** Whether the thread is parked inside {@code LockSupport.park} now. */
    private boolean isParked() {
        Thread.State s = thread.getState();
        return (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING)
                && LockSupport.getBlocker(thread) != null;
    }

    private void awaitState(String what, BooleanSupplier reached) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!reached.getAsBoolean()) {
            if (isDone()) {
                fail(thread.getName() + " was to " + what + ", but it ended: " + outcome());
            }
            if (System.nanoTime() - deadline > 0) {
                fail(thread.getName() + " did not " + what + " within " + TIMEOUT_SECONDS
                        + " s; it is " + thread.getState() + " at "
                        + Arrays.toString(thread.getStackTrace()));
            }
            LockSupport.parkNanos(20_000L); // the poll's interval
        }
    }

    /** Waits for the call to end, at most {@link #TIMEOUT_SECONDS}. */
    private void awaitDone() {
        try {
            if (!done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail(thread.getName() + " did not return within " + TIMEOUT_SECONDS + " s; it is "
                        + thread.getState() + " at " + Arrays.toString(thread.getStackTrace()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + thread.getName(), e);
        }
    }

    /** Waits for the call to end; returns what it threw, or null if it returned. */
    Throwable awaitEnd() {
        awaitDone();
        return thrown;
    }

    /** Waits for the call to end and returns what it returned; fails if it threw. */
    T result() {
        awaitDone();
        if (thrown != null) {
            throw new AssertionError(thread.getName() + " threw instead of returning", thrown);
        }
        return value;
    }

    /** Waits for the call to end and returns what it threw; fails if it returned. */
    Throwable failure() {
        awaitDone();
        if (thrown == null) {
            fail(thread.getName() + " returned " + value + " instead of throwing");
        }
        return thrown;
    }

    /** Waits for the call to end; whether the thread's interrupt status was set right after. */
    boolean interruptedAtEnd() {
        awaitDone();
        return interruptedAtEnd;
    }

    private String outcome() {
        return thrown != null ? "threw " + thrown : "returned " + value;
    }
}
