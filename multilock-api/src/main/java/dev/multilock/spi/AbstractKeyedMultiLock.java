package dev.multilock.spi;

import dev.multilock.KeyedMultiLock;

/**
 * The base of every family of keyed locks; the type that the sealed {@link KeyedMultiLock}
 * permits for implementations.
 *
 * <p>The locks that {@link #get(Object)} returns are {@link AbstractMultiLock}s that stand for
 * their key, not for its state: they implement {@link AbstractMultiLock#pin()} so that lock sets
 * can order them by the state the key has while the set works on it.
 *
 * @param <K> the type of the keys
 * @since 0.1.0
 */
public abstract non-sealed class AbstractKeyedMultiLock<K> implements KeyedMultiLock<K> {

    /** Creates a family. */
    protected AbstractKeyedMultiLock() {}
}
