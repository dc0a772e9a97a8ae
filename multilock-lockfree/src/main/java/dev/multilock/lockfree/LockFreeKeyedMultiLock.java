package dev.multilock.lockfree;

import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.spi.AbstractKeyedMultiLock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The lock-free {@link KeyedMultiLock}: a {@link ConcurrentHashMap} from each key in use to its
 * state, a {@link LockFreeMultiLock} that counts its uses and leaves the map with the last one.
 *
 * <p>Progress: the per-key lock is the lock-free lock itself. The map's internal bin locks are
 * held by {@code get}, {@code putIfAbsent} and {@code remove} for a few instructions, never
 * across a wait or user code (API.md, K6). No thread waits for another to finish dropping a
 * state: it removes the dead state itself.
 *
 * <p>Memory: a key's entry exists only while the key is in use (see {@link KeyedLock}); an idle
 * family holds an empty map.
 *
 * @param <K> the type of the keys
 */
final class LockFreeKeyedMultiLock<K> extends AbstractKeyedMultiLock<K> {
    /*
     * Implementation notes.
     *
     * states: key -> its live state, or, for the moment between its death and its removal, its
     * dead state. Entries enter only alive (putIfAbsent of a state created with one use) and
     * leave only dead (remove(key, state) by the killer or by whoever meets the dead state
     * first), so the map never holds two states of a key and never drops a live one. See
     * KeyedLock for the use count and why one live state per key is all K3 needs.
     */

    final ConcurrentHashMap<K, KeyedLock<K>> states = new ConcurrentHashMap<>();

    LockFreeKeyedMultiLock() {}

    @Override
    public MultiLock get(K key) {
        return new KeyView<>(this, Objects.requireNonNull(key, "key"));
    }

    @Override
    public int size() {
        return states.size();
    }

    /**
     * Creates the state of an idle key already holding an acquisition of {@code type}, and
     * returns the acquisition's handle; or null if the key has a state (live or dead) already.
     * The insertion into the map is the grant: nobody can wait for an idle key.
     */
    @Nullable LockFreeHandle createHeld(K key, MultiLockType type) {
        KeyedLock<K> fresh = new KeyedLock<>(this, key, LockFreeMultiLock.holdUnit(type));
        return states.putIfAbsent(key, fresh) == null ? new LockFreeHandle(fresh, type) : null;
    }

    /**
     * Takes a use of the live state of {@code key}, creating it if the key is idle.
     *
     * @param s the state found in the map a moment ago, or null
     * @return a live state of {@code key}, with one more use, which the caller must hand over to
     *     what it creates or give back
     */
    KeyedLock<K> pin(K key, @Nullable KeyedLock<K> s) {
        for (;;) {
            if (s == null) {
                KeyedLock<K> fresh = new KeyedLock<>(this, key, 0L);
                s = states.putIfAbsent(key, fresh);
                if (s == null) {
                    return fresh;
                }
            }
            if (s.tryPin()) {
                return s;
            }
            drop(s); // dead: its killer removes it; do it now rather than wait for that
            s = states.get(key);
        }
    }

    /** Removes the dead state {@code s} from the map, if it is still there. */
    void drop(KeyedLock<K> s) {
        states.remove(s.key, s);
    }

    @Override
    public String toString() {
        return "KeyedMultiLock@" + Integer.toHexString(System.identityHashCode(this))
                + "[keys=" + states.size() + "]";
    }
}
