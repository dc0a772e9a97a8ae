/**
 * An asynchronous, fair, lock-free shared/exclusive lock: the whole public API of multilock.
 *
 * <p>A {@link dev.multilock.MultiLock} is requested in a {@link dev.multilock.MultiLockType}
 * ({@code NONE}, {@code SHARED} or {@code EXCLUSIVE}) and granted through a
 * {@link java.util.concurrent.CompletableFuture} of a {@link dev.multilock.Handle}, so that no
 * thread ever blocks waiting for the lock. A {@link dev.multilock.Watch} tells when a mode can be
 * taken without taking it, and a {@link dev.multilock.MultiLockSet} takes several locks as one,
 * without deadlock.
 *
 * <pre>{@code
 * MultiLock lock = MultiLock.create();
 *
 * // Hold the lock for the life of an asynchronous action; released however the action ends.
 * CompletableFuture<Long> size = lock.withLock(MultiLockType.SHARED, () -> storage.sizeAsync());
 *
 * // Or by hand: the handle is the ownership, released from any thread.
 * lock.acquire(MultiLockType.EXCLUSIVE)
 *         .thenCompose(writer -> writeAsync().whenComplete((r, e) -> writer.release()));
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * Every lock of this package keeps strict first-in, first-out fairness (a stream of shared
 * requests never starves a waiting exclusive one), withdraws a waiting request whose future is
 * cancelled or timed out, never blocks or waits for another thread inside, and completes the
 * futures of waiters on the thread that made their grant possible (or on an executor given for
 * that), in constant stack depth;
 * {@link dev.multilock.MultiLock} states each of these precisely. Memory consistency effects: a
 * release <i>happens-before</i> every acquisition it enables; a {@code tryAcquire} that returns
 * empty has no memory effect.
 *
 * <h2>Modules</h2>
 * This package belongs to the module {@code dev.multilock}, which holds no implementation.
 * Applications require {@code dev.multilock.lockfree}, which brings this module with it, and
 * {@link dev.multilock.MultiLock#create()} finds the implementation through the service loader,
 * on the module path and on the class path alike.
 *
 * <p>Nullness: no parameter or return value in this package is null unless its type says
 * {@code @Nullable} (the package is {@code @NullMarked}).
 *
 * @since 0.1.0
 */
@NullMarked
package dev.multilock;

import org.jspecify.annotations.NullMarked;
