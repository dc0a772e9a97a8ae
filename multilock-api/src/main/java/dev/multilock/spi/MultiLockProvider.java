package dev.multilock.spi;

import dev.multilock.MultiLock;

/**
 * The service an implementation module provides so that {@link MultiLock#create()} can find it.
 *
 * @since 0.1.0
 */
public interface MultiLockProvider {

    /**
     * Creates a new, unlocked lock.
     *
     * @return a new lock
     */
    MultiLock create();
}
