package dev.multilock;

import dev.multilock.spi.AbstractHandle;

/**
 * One acquisition of a {@link MultiLock}: minted by the lock when it grants a request, unique,
 * and compared by identity.
 *
 * <p>A handle is the proof of ownership, not the thread: any thread may release it. Releasing is
 * idempotent, so a handle can be released by a {@code finally} block and by a timeout path without
 * harm. {@link #close()} releases too and throws nothing, which makes a handle a resource:
 *
 * <pre>{@code
 * try (Handle writer = lock.acquire(MultiLockType.EXCLUSIVE).join()) {
 *     // exclusive section
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Exactly once.</b> Of any number of concurrent {@link #release()} and {@link #close()}
 *       calls, on any threads, exactly one releases the acquisition and returns {@code true};
 *       the others change nothing.
 *   <li><b>Where continuations run.</b> Releasing lets in the waiters this enables; those
 *       without an executor are completed, and their continuations run, on the releasing thread
 *       before {@code release()} returns (or right after, if that thread is already completing
 *       waiters further up its stack). The same holds for {@link #downgrade()}.
 *   <li><b>Progress.</b> Neither releasing nor downgrading ever waits for another thread.
 * </ul>
 *
 * <p>Memory consistency effects: actions in a thread before it releases or downgrades a handle
 * <i>happen-before</i> the actions that follow each acquisition that this enables, as for
 * {@link MultiLock#release(Handle)}. A {@code release()} that returns {@code false} and a
 * {@code downgrade()} that returns {@code false} change nothing.
 *
 * <p>This interface is sealed: only the lock implementation mints handles, so a handle can never
 * be forged.
 *
 * @since 0.1.0
 */
public sealed interface Handle extends AutoCloseable
        permits AbstractHandle, SetHandle {

    /**
     * Returns the lock this handle is an acquisition of.
     *
     * @return the lock that minted this handle
     */
    MultiLock lock();

    /**
     * Returns the mode of this acquisition: the mode it was granted in, or
     * {@link MultiLockType#SHARED} once an exclusive acquisition has been downgraded. The mode
     * stays readable after the handle is released.
     *
     * @return the mode this acquisition holds or held
     */
    MultiLockType type();

    /**
     * Tells whether this acquisition is still held.
     *
     * @return {@code true} until the handle is released
     */
    boolean isHeld();

    /**
     * Releases this acquisition; the same as {@code lock().release(this)}.
     *
     * @return {@code true} if this call released it, {@code false} if it had been released already
     * @see MultiLock#release(Handle)
     */
    default boolean release() {
        return lock().release(this);
    }

    /**
     * Turns a held exclusive acquisition into a shared one, atomically: no other holder can get in
     * between. The waiters that can now share are let in, in strict arrival order: a shared waiter
     * queued behind another exclusive waiter stays queued.
     *
     * <p>For a set's handle, each leaf lock is downgraded atomically, one after another, not all
     * at once.
     *
     * @return {@code true} if this call downgraded the acquisition; {@code false} if it is not
     *     exclusive, already downgraded, or released
     */
    boolean downgrade();

    /**
     * Releases this acquisition if it is still held; throws nothing, so that try-with-resources
     * works.
     */
    @Override
    default void close() {
        release();
    }
}
