package dev.multilock.lockfree;

import dev.multilock.MultiLockType;
import org.jspecify.annotations.Nullable;

/**
 * A request that waits in a {@link LockFreeMultiLock}'s queue: an asynchronous one
 * ({@link Waiter}, which is the user's future) or a thread that waits for itself
 * ({@link ThreadWaiter}). The queue treats both alike; only their delivery differs.
 *
 * <p>Status, changed only by CAS, each transition made once: {@link #WAITING} to
 * {@link #GRANTED} by the queue's owner ({@link #claim()}), or {@link #WAITING} to
 * {@link #WITHDRAWN} by a cancellation, timeout or interrupt. {@link #next()} is the link of
 * whichever list the node is in (see LockFreeMultiLock's notes on who may touch it).
 */
sealed interface Node extends Delivery permits Waiter, ThreadWaiter {

    int WAITING = 0;
    int GRANTED = 1;
    int WITHDRAWN = 2;

    /** The mode requested. */
    MultiLockType type();

    /** {@link #WAITING}, {@link #GRANTED} or {@link #WITHDRAWN}. */
    int status();

    /** Turns WAITING into GRANTED; called by the queue's owner only. */
    boolean claim();

    /** The next node of the list this node is in; see the notes. */
    @Nullable Node next();

    /** Links the next node; see the notes. */
    void setNext(@Nullable Node next);

    /**
     * Called by the thread that queued this node, before it pushes it: begins its
     * {@code dev.multilock.Wait} event ({@link WaitEvents}), {@code ahead} waiting before it.
     */
    void queued(long ahead);
}
