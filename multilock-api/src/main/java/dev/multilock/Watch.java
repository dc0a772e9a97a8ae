package dev.multilock;

import java.util.concurrent.CompletableFuture;

/**
 * A level-triggered flag that tells when a mode of a lock is acquirable: the asyncio-multilock
 * {@code notify} event, made by {@link MultiLock#watch(MultiLockType)}.
 *
 * <p>"Acquirable" means that a {@link MultiLock#tryAcquire(MultiLockType) tryAcquire} of the
 * watched mode would succeed now: nobody waits and the holders admit it. The flag is set when the
 * watch is created if the mode is acquirable then, and again after every release, withdrawal or
 * downgrade on the lock that leaves the mode acquirable, even if it already was and the flag had
 * been cleared. Only {@link #clear()} clears it. A set flag is a hint, not a reservation: another
 * thread may take the lock before this one acts on it.
 *
 * <pre>{@code
 * try (Watch shared = lock.watch(MultiLockType.SHARED)) {
 *     shared.awaitSet().join();          // the lock could be taken SHARED now
 *     shared.clear();
 *     lock.tryAcquire(MultiLockType.SHARED).ifPresent(Handle::close);
 * }
 * }</pre>
 *
 * <p>A watch keeps a reference in its lock until it is {@linkplain #close() closed}; close every
 * watch you create, for example with try-with-resources.
 *
 * <p>The flag is raised by the thread whose release, withdrawal or downgrade made the mode
 * acquirable, and the pending {@link #awaitSet()} futures are completed on that thread, after
 * the futures of the acquisitions that the same change granted. No method of a watch blocks or
 * waits for another thread. A watch of a
 * {@link MultiLockSet} is raised when every leaf is acquirable, checked after each event on any
 * leaf, on the thread of that event.
 *
 * <p>Memory consistency effects: actions in a thread before a release, withdrawal or downgrade
 * that raises the flag <i>happen-before</i> the actions that follow an {@link #isSet()} that
 * returns {@code true} because of it, and those that follow the completion of an
 * {@link #awaitSet()} future it completes.
 *
 * @since 0.1.0
 */
public interface Watch extends AutoCloseable {

    /**
     * Returns the mode this watch watches.
     *
     * @return the watched mode
     */
    MultiLockType type();

    /**
     * Tells whether the flag is set.
     *
     * @return {@code true} if the mode has been acquirable since the flag was last cleared
     */
    boolean isSet();

    /**
     * Clears the flag; the next release, withdrawal or downgrade that leaves the mode acquirable
     * sets it again.
     */
    void clear();

    /**
     * Returns a future that completes when the flag is set: already complete if it is set now.
     * Each call returns a new future; completing or cancelling one affects no other.
     *
     * <p>If the watch is closed while the future is pending, the future is cancelled; on a closed
     * watch this method returns an already cancelled future.
     *
     * @return a future completed (with {@code null}) once the flag is set
     */
    CompletableFuture<Void> awaitSet();

    /**
     * Stops watching: the flag no longer changes, the lock drops its reference to this watch,
     * and every pending {@link #awaitSet()} future is cancelled. Idempotent; throws nothing.
     */
    @Override
    void close();
}
