package dev.multilock.spi;

import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;

/**
 * The service an implementation module provides so that {@link MultiLock#create()} and
 * {@link KeyedMultiLock#create()} can find it.
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

    /**
     * Creates a new family of keyed locks with no key in use.
     *
     * @param <K> the type of the keys
     * @return a new family
     */
    <K> KeyedMultiLock<K> createKeyed();
}
