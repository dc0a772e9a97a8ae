package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The operations the property and Lincheck suites drive, over opaque tokens instead of
 * {@code Handle}s, so that the real lock ({@link RealLock}) and a lock with a planted bug
 * ({@link BrokenLock}) run through exactly the same checks. {@code MultiLock} and {@code Handle}
 * are sealed, so a broken lock cannot be one.
 *
 * <p>The calls that wait on a thread ({@link #lock}, {@link #lockInterruptibly},
 * {@link #tryLock}) have defaults over {@link #acquire}, as {@code MultiLock}'s own defaults do,
 * for the locks with planted bugs; the real lock calls its own.
 */
interface TestedLock {

    /** Returns a token of the new acquisition, or null if it cannot be taken now. */
    Object tryAcquire(MultiLockType type);

    /** Requests the lock; the future completes with a token. */
    CompletableFuture<Object> acquire(MultiLockType type);

    /** Releases the acquisition of {@code token}; false if it was released already. */
    boolean release(Object token);

    /** Downgrades the acquisition of {@code token}; false unless it was a held EXCLUSIVE. */
    boolean downgrade(Object token);

    MultiLockType locked();

    int queueLength();

    /** Creates a watch of {@code type} and returns it as an opaque object. */
    Object watch(MultiLockType type);

    boolean isSet(Object watch);

    void clear(Object watch);

    void close(Object watch);

    CompletableFuture<Void> whenAcquirable(MultiLockType type);

    // ---- waiting on a thread ----

    /** As {@code MultiLock.lock}: waits for the grant, through interrupts; returns its token. */
    default Object lock(MultiLockType type) {
        return acquire(type).join();
    }

    /** As {@code MultiLock.lockInterruptibly}. */
    default Object lockInterruptibly(MultiLockType type) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        CompletableFuture<Object> f = acquire(type);
        try {
            return f.get();
        } catch (InterruptedException e) {
            if (f.cancel(false)) {
                throw e;
            }
            Thread.currentThread().interrupt(); // granted first
            return f.join();
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        }
    }

    /** As {@code MultiLock.tryLock}: the token, or null if the timeout passed first. */
    default Object tryLock(MultiLockType type, Duration timeout) throws InterruptedException {
        if (timeout.isZero() || timeout.isNegative()) {
            return tryAcquire(type);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        CompletableFuture<Object> f = acquire(type);
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return f.cancel(false) ? null : f.join();
        } catch (InterruptedException e) {
            if (f.cancel(false)) {
                throw e;
            }
            Thread.currentThread().interrupt(); // granted first
            return f.join();
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        }
    }
}
