package dev.multilock;

import dev.multilock.spi.AbstractKeyedMultiLock;

/**
 * A family of locks, one per key: "lock this order, this file, this user" without a map of locks
 * that grows forever. The family keeps state for a key only while the key is in use, and drops it
 * when the last use ends.
 *
 * <p>{@link #get(Object) get(key)} returns the {@link MultiLock} of a key, so everything a lock
 * has works per key: asynchronous and blocking acquisition, {@code tryAcquire}, watches,
 * {@code whenAcquirable}, {@code withLock}, downgrade, and {@link MultiLockSet}s that mix keyed and
 * plain locks.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>One lock per key.</b> {@code get(a)} and {@code get(b)} with {@code a.equals(b)} are
 *       the same lock: they are equal, have equal hash codes, and share holders, queue and
 *       watches. Locks of unequal keys never wait for each other, whatever their hash codes.
 *   <li><b>Dropped when idle.</b> The family keeps state for a key only while it is held, queued
 *       for, watched (an open {@link Watch}), awaited (a pending
 *       {@link MultiLock#whenAcquirable whenAcquirable} future) or being acquired by a lock set.
 *       When the last of these ends, the state is dropped at once, by the thread that ended it:
 *       {@link #size()} no longer counts the key and the family no longer refers to it. A
 *       {@code MultiLock} returned by {@code get} refers to its key only, never to its state: it
 *       keeps no state alive, and using it later works (it finds or creates the state again).
 *   <li><b>No race with the drop.</b> Dropping a key's state never races an acquisition into a
 *       second live state for the key: exclusion and first-in, first-out order hold per key under
 *       any interleaving of acquisitions, releases, cancellations and watches.
 *   <li><b>Handles.</b> {@code handle.lock()} of a keyed acquisition is equal to
 *       {@code family.get(key)}; any lock of that key releases the handle, and a lock of another
 *       key or family rejects it with an {@link IllegalArgumentException}.
 *   <li><b>Sets.</b> A {@link MultiLockSet} of keyed locks, mixed with plain locks, never
 *       deadlocks against another set: keys need not be {@link Comparable}, and equal hash codes
 *       of unequal keys do not disturb the global order.
 *   <li>Every rule of {@link MultiLock} holds per key.
 * </ul>
 *
 * <p>Keys are compared with {@code equals} and {@code hashCode}, as in a {@link java.util.HashMap}:
 * a key must not change in a way that affects them while its lock is in use.
 *
 * <p>Memory consistency effects: as for each {@link MultiLock}: a release of a key's lock
 * <i>happens-before</i> every acquisition of that key it enables, whether or not the key's state
 * was dropped and created again in between.
 *
 * <h2>Example</h2>
 * <pre>{@code
 * KeyedMultiLock<String> accounts = KeyedMultiLock.create();
 *
 * // One writer per account at a time; other accounts go on in parallel.
 * CompletableFuture<Void> done = accounts.get(accountId)
 *         .withLock(MultiLockType.EXCLUSIVE, () -> ledger.appendAsync(accountId, entry));
 *
 * // A transfer takes both accounts at once, in any argument order, without deadlock.
 * MultiLock both = MultiLockSet.of(accounts.get(from), accounts.get(to));
 * }</pre>
 *
 * <p>This interface is sealed: its implementations are the families of the installed
 * implementation modules, found by {@link #create()}.
 *
 * @param <K> the type of the keys
 * @since 0.1.0
 */
public sealed interface KeyedMultiLock<K> permits AbstractKeyedMultiLock {

    /**
     * Creates a new family of in-JVM locks, with no key in use, from the installed implementation
     * (found as for {@link MultiLock#create()}).
     *
     * @param <K> the type of the keys
     * @return a new, empty family
     * @throws IllegalStateException if no implementation is installed; the message names the
     *     module to add
     */
    static <K> KeyedMultiLock<K> create() {
        return Implementation.provider().createKeyed();
    }

    /**
     * Returns the lock of {@code key}. Cheap, and allocates only the returned object: the key's
     * state is found or created when the lock is used, not here, and the returned lock keeps
     * none alive.
     *
     * @param key the key; compared with {@code equals}
     * @return the lock of {@code key}, equal to every other lock of an equal key of this family
     * @throws NullPointerException if {@code key} is null
     */
    MultiLock get(K key);

    /**
     * Returns the number of keys that have live state now: held, queued for, watched, awaited
     * or being acquired by a set. For monitoring and leak tests: exact whenever no call on the
     * family is in flight, an estimate while calls race.
     *
     * @return the number of keys in use
     */
    int size();
}
