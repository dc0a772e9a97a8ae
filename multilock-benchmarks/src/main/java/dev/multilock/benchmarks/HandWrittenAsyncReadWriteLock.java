package dev.multilock.benchmarks;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * <b>BASELINE, not a product:</b> the asynchronous read-write lock a user would write by hand
 * today, with a {@code synchronized} monitor and an {@link ArrayDeque} of waiting futures. It is
 * here only so that the benchmarks can say what multilock buys over the obvious code
 * ({@link Contender#BASELINE}).
 *
 * <p>It is kept correct, so that the comparison is honest:
 * <ul>
 *   <li><b>FIFO hand-off.</b> A request is granted at once only if nobody waits and the holders
 *       allow it; otherwise it queues. {@link #tryAcquire(boolean)} does not barge either.
 *   <li><b>Runs of readers.</b> When the head of the queue can enter, it and every compatible
 *       waiter directly behind it enter together.
 *   <li><b>Completion outside the monitor.</b> {@link #release(boolean)} decides the grants under
 *       the monitor and completes their futures after leaving it, so user continuations never
 *       run while the monitor is held.
 *   <li><b>Cancellation.</b> A waiter whose future was completed by someone else (cancelled,
 *       timed out) is skipped when it reaches the head; if that happens between the grant and
 *       the completion, the grant is released again.
 * </ul>
 *
 * <p>What it does not try to be: lock-free, or stack-safe (a continuation that releases
 * completes the next waiter in a nested call), and its release is by mode, not by a handle, so
 * a double release is not detected beyond the holder counts.
 */
final class HandWrittenAsyncReadWriteLock {

    /** A queued request. */
    private static final class Waiter {
        final boolean exclusive;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Waiter(boolean exclusive) {
            this.exclusive = exclusive;
        }
    }

    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    /** Shared holders; guarded by {@code this}. */
    private int readers;
    /** Whether one exclusive holder holds the lock; guarded by {@code this}. */
    private boolean writer;

    /** Whether the holders let a request of this mode in, waiters aside. Holds the monitor. */
    private boolean admits(boolean exclusive) {
        return !writer && (!exclusive || readers == 0);
    }

    /** Adds a hold. Holds the monitor. */
    private void hold(boolean exclusive) {
        if (exclusive) {
            writer = true;
        } else {
            readers++;
        }
    }

    /**
     * Requests the lock.
     *
     * @param exclusive {@code true} for the write mode, else the read mode
     * @return a future that completes (with {@code null}) when the lock is granted; already
     *     complete if it was granted at once
     */
    CompletableFuture<Void> acquire(boolean exclusive) {
        Waiter w;
        synchronized (this) {
            if (queue.isEmpty() && admits(exclusive)) {
                hold(exclusive);
                return CompletableFuture.completedFuture(null);
            }
            w = new Waiter(exclusive);
            queue.addLast(w);
        }
        return w.future;
    }

    /**
     * Acquires the lock if that is possible now: nobody waits and the holders allow it.
     *
     * @param exclusive the mode
     * @return whether the lock was acquired
     */
    synchronized boolean tryAcquire(boolean exclusive) {
        if (queue.isEmpty() && admits(exclusive)) {
            hold(exclusive);
            return true;
        }
        return false;
    }

    /**
     * Releases one hold of the given mode and completes the futures of the waiters this lets in,
     * on this thread, after leaving the monitor.
     *
     * @param exclusive the mode of the hold to release
     * @throws IllegalStateException if no hold of that mode is held
     */
    void release(boolean exclusive) {
        Waiter first = null;
        List<Waiter> more = null;
        synchronized (this) {
            if (exclusive) {
                if (!writer) {
                    throw new IllegalStateException("write lock not held");
                }
                writer = false;
            } else {
                if (readers == 0) {
                    throw new IllegalStateException("read lock not held");
                }
                readers--;
            }
            for (Waiter w; (w = queue.peekFirst()) != null; ) {
                if (w.future.isDone()) {
                    queue.pollFirst(); // withdrawn by its owner: skip it
                    continue;
                }
                if (!admits(w.exclusive)) {
                    break;
                }
                queue.pollFirst();
                hold(w.exclusive);
                if (first == null) {
                    first = w;
                } else {
                    if (more == null) {
                        more = new ArrayList<>();
                    }
                    more.add(w);
                }
            }
        }
        if (first != null) {
            complete(first);
            if (more != null) {
                for (Waiter w : more) {
                    complete(w);
                }
            }
        }
    }

    private void complete(Waiter w) {
        if (!w.future.complete(null)) {
            release(w.exclusive); // completed by someone else since the grant: give it back
        }
    }

    /**
     * Describes the state, for tests and debugging.
     *
     * @return the holders and the queue length
     */
    @Override
    public synchronized String toString() {
        return "HandWrittenAsyncReadWriteLock[" + (writer ? "writer" : readers + " readers")
                + ", queued=" + queue.size() + "]";
    }
}
