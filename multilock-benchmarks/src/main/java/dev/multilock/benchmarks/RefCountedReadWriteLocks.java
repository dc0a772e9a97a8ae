package dev.multilock.benchmarks;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * <b>A peer, not a product:</b> the keyed read-write lock a user would write by hand today, a
 * {@link ConcurrentHashMap} from each key in use to a {@link ReentrantReadWriteLock} and a count
 * of its users, kept with {@link ConcurrentHashMap#compute compute}. It is here only so that
 * {@link KeyedBenchmark} can say what {@code KeyedMultiLock} buys over the obvious code
 * ({@link KeyedContender#REFCOUNT_RRWL}).
 *
 * <p>It is kept correct, so that the comparison is honest:
 * <ul>
 *   <li><b>One lock per key.</b> {@link #lock} counts itself as a user of the key's entry
 *       inside {@code compute}, creating the entry if the key has none; {@link #unlock} uncounts
 *       itself inside {@code compute} and removes the entry with its last user. Both run under
 *       the map's atomicity for the key, so an entry is removed only when nobody holds, waits
 *       for or is about to wait for it, and two live entries of one key never exist.
 *   <li><b>Wait outside the map.</b> The thread waits for the read or write lock after
 *       {@code compute} has returned, never inside it: a wait inside would hold the map's bin
 *       lock, stalling every key of the bin and deadlocking against the holder's release.
 *   <li><b>Unlock, then uncount.</b> The other order would let the entry be removed and a new
 *       one created for the key while its old lock is still held: two holders of one key.
 * </ul>
 *
 * <p>What it does not try to be: asynchronous (a waiter blocks its thread), fair (the locks are
 * the default, non-fair {@code ReentrantReadWriteLock}, as a user would create them), or free of
 * lock contention on the map (every acquisition and release writes the key's bin under
 * {@code compute}'s lock). Reentrancy is that of {@code ReentrantReadWriteLock}, per thread.
 *
 * @param <K> the type of the keys, compared with {@code equals}
 */
final class RefCountedReadWriteLocks<K> {

    /** The lock of one key in use, and how many threads hold, wait for or are taking it. */
    static final class Entry<K> {
        final K key;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        /** Holders and waiters; changed only inside {@code compute} for {@link #key}. */
        int users;

        Entry(K key) {
            this.key = key;
        }
    }

    private final ConcurrentHashMap<K, Entry<K>> entries = new ConcurrentHashMap<>();

    /**
     * Acquires the lock of {@code key}, blocking the calling thread until it is granted.
     *
     * @param key the key; compared with {@code equals}
     * @param exclusive {@code true} for the write lock, else the read lock
     * @return the entry of the key, to pass to {@link #unlock}
     */
    Entry<K> lock(K key, boolean exclusive) {
        Entry<K> e = pin(key);
        if (exclusive) {
            e.lock.writeLock().lock();
        } else {
            e.lock.readLock().lock();
        }
        return e;
    }

    /**
     * Acquires the lock of {@code key} if that is possible now, never waiting.
     *
     * @param key the key; compared with {@code equals}
     * @param exclusive {@code true} for the write lock, else the read lock
     * @return the entry of the key, to pass to {@link #unlock}; or {@code null} if the lock is
     *     held in a conflicting mode (the entry is then dropped again if nobody else uses it)
     */
    Entry<K> tryLock(K key, boolean exclusive) {
        Entry<K> e = pin(key);
        boolean locked = exclusive ? e.lock.writeLock().tryLock() : e.lock.readLock().tryLock();
        if (locked) {
            return e;
        }
        unpin(e);
        return null;
    }

    /**
     * Releases a hold taken by {@link #lock}, and drops the key's entry if nobody else holds or
     * waits for it.
     *
     * @param entry what {@code lock} returned
     * @param exclusive the mode it was taken in
     * @throws IllegalMonitorStateException if this thread does not hold the lock in that mode
     */
    void unlock(Entry<K> entry, boolean exclusive) {
        if (exclusive) {
            entry.lock.writeLock().unlock();
        } else {
            entry.lock.readLock().unlock();
        }
        unpin(entry);
    }

    /** Counts the caller as a user of the key's entry, creating the entry if the key has none. */
    private Entry<K> pin(K key) {
        Objects.requireNonNull(key, "key");
        return entries.compute(key, (k, v) -> {
            Entry<K> entry = v == null ? new Entry<>(k) : v;
            entry.users++;
            return entry;
        });
    }

    /** Uncounts the caller, and drops the entry if that was its last user. */
    private void unpin(Entry<K> entry) {
        // Present: the caller still counts as a user. Non-capturing, so no allocation.
        entries.computeIfPresent(entry.key, (k, v) -> --v.users == 0 ? null : v);
    }

    /**
     * Returns the number of keys that have an entry now: held, waited for or being taken.
     *
     * @return the keys in use; exact when no call is in flight
     */
    int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return "RefCountedReadWriteLocks[keys=" + entries.size() + "]";
    }
}
