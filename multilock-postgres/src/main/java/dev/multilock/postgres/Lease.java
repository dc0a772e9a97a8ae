package dev.multilock.postgres;

import dev.multilock.Handle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * What a handle of a lock across processes adds to a {@link Handle}: a fencing token and a way
 * to learn that the lock has been lost.
 *
 * <p>A lock across processes can be lost while held: the database session that holds it dies
 * (its connection is killed, the server restarts, the network fails). The holder cannot prevent
 * that; it can only learn of it ({@link #lost()}, {@link Handle#isHeld()}) and, because it may
 * learn too late, have the systems it writes to reject it: every write carries the
 * {@link #fencingToken()}, and a store that remembers the highest token it has seen refuses
 * lower ones.
 *
 * <pre>{@code
 * Handle writer = accounts.get(id).acquire(MultiLockType.EXCLUSIVE).join();
 * Lease lease = Lease.of(writer);
 * lease.lost().thenRun(() -> log.warn("lost the lock of {}", id));
 * // UPDATE account SET balance = ?, token = ? WHERE id = ? AND token < ?
 * store.write(id, balance, lease.fencingToken());
 * }</pre>
 *
 * @since 0.1.0
 */
public interface Lease {

    /**
     * Returns the lease of a handle of a {@link PostgresMultiLocks} lock.
     *
     * @param handle a handle granted by a lock of {@link PostgresMultiLocks}
     * @return its lease (the handle itself)
     * @throws NullPointerException if {@code handle} is null
     * @throws IllegalArgumentException if {@code handle} is a handle of another kind of lock
     *     (an in-JVM lock, or a {@code MultiLockSet}, whose leaves each have their own lease)
     */
    static Lease of(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handle instanceof PgHandle h) {
            return h;
        }
        throw new IllegalArgumentException(handle + " is not a handle of a lock of"
                + " PostgresMultiLocks");
    }

    /**
     * Returns the fencing token of this acquisition. Every EXCLUSIVE grant of a key, in any
     * process (and for each hand-off inside one), gets a token greater than every earlier
     * EXCLUSIVE grant's of that key. A SHARED or NONE grant carries a token at least that of the
     * last EXCLUSIVE grant before it and below the next one's (0 if the key never had one).
     * Tokens of one key increase but are not consecutive.
     *
     * @return the fencing token
     */
    long fencingToken();

    /**
     * Returns a future that completes normally when the lock is lost while held: the database
     * session that held it died, or the {@link PostgresMultiLocks} was closed. It is cancelled
     * when the handle is released before any loss. Once it completes,
     * {@link Handle#isHeld()} is false; other processes may hold the lock.
     *
     * @return the loss of this acquisition
     */
    CompletableFuture<Void> lost();
}
