package dev.multilock.spi;

import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The base of every lock implementation; the one type besides the lock sets that the sealed
 * {@link MultiLock} permits.
 *
 * <p>Each instance draws a creation number from a global sequence. Lock sets acquire their leaf
 * locks in the order of these numbers, which is what keeps two sets that share locks from
 * deadlocking.
 *
 * @since 0.1.0
 */
public abstract non-sealed class AbstractMultiLock implements MultiLock {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final long creationOrder = SEQUENCE.getAndIncrement();

    /** Creates a lock and gives it the next creation number. */
    protected AbstractMultiLock() {}

    /**
     * Returns this lock's creation number: unique among the locks of this class loader, and
     * increasing in the order the locks were created.
     *
     * @return the creation number
     */
    public final long creationOrder() {
        return creationOrder;
    }

    /**
     * Tells whether a {@code tryAcquire(type)} would succeed now: nobody waits and the holders
     * admit the mode. A read without side effects; lock sets use it to decide whether all their
     * leaves are acquirable.
     *
     * @param type the mode to ask about
     * @return whether the mode is acquirable at this moment
     * @throws NullPointerException if {@code type} is null
     */
    public abstract boolean isAcquirable(MultiLockType type);
}
