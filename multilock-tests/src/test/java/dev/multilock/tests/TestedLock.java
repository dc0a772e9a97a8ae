package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;

/**
 * The operations the property and Lincheck suites drive, over opaque tokens instead of
 * {@code Handle}s, so that the real lock ({@link RealLock}) and a lock with a planted bug
 * ({@link BrokenLock}) run through exactly the same checks. {@code MultiLock} and {@code Handle}
 * are sealed, so a broken lock cannot be one.
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
}
