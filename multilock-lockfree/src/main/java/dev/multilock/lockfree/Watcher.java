package dev.multilock.lockfree;

import dev.multilock.MultiLockType;

/**
 * Something registered with a {@link LockFreeMultiLock} to hear when a mode becomes acquirable:
 * a {@link LockFreeWatch} or an {@link AcquirableFuture}.
 */
interface Watcher {

    /** The mode this watcher waits for. */
    MultiLockType type();

    /**
     * Called after a change that left {@link #type()} acquirable. Must not run user code: what
     * completes user futures goes onto {@code t}.
     */
    void signal(Trampoline t);
}
