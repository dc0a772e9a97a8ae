package dev.multilock.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a lock set orders a leaf by, and keeps alive, while it works on that leaf: the result of
 * {@link AbstractMultiLock#pin()}.
 *
 * <p>Sets acquire leaves in one total order: first the leaves whose pins have a
 * {@link #sharedOrder()}, by that key, then the others by {@link #globalOrder()}. The shared key
 * is for locks that several processes take (a lock on a database): each process orders them the
 * same way, so sets in different processes cannot deadlock on them either.
 *
 * @since 0.1.0
 */
public interface LockPin {

    /**
     * Returns the place of the pinned lock in this class loader's global order: unique, and the
     * same on every call while pinned.
     *
     * @return the place of the pinned lock
     */
    long globalOrder();

    /**
     * Returns a key that orders the pinned lock the same way in every process that can take it,
     * or null for a lock that only this process can take.
     *
     * @return the cross-process order key, or null
     */
    default @Nullable String sharedOrder() {
        return null;
    }

    /** Ends the pin; called once per {@link AbstractMultiLock#pin()}. */
    void unpin();
}
