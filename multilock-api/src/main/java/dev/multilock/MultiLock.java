package dev.multilock;

import dev.multilock.spi.AbstractMultiLock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Supplier;

/**
 * An asynchronous shared/exclusive lock: acquisitions are requested in a {@link MultiLockType}
 * and granted as {@link Handle}s through {@link CompletableFuture}s, so no thread ever blocks
 * waiting for the lock.
 *
 * <p>At any moment the lock is held by either nothing, one or more {@link MultiLockType#SHARED}
 * holders, or one {@link MultiLockType#EXCLUSIVE} holder; {@link #locked()} tells which. A
 * {@link MultiLockType#NONE} acquisition is granted only while nobody holds the lock exclusively,
 * and once granted keeps nothing out. Every acquisition is identified by its own {@code Handle},
 * which releases it from any thread.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Exclusion.</b> Never an exclusive holder together with any other shared or exclusive
 *       holder.
 *   <li><b>Fairness.</b> Requests are granted strictly first in, first out. A new request is
 *       granted at once if and only if nobody is waiting and the holders allow it; otherwise
 *       {@link #acquire(MultiLockType) acquire} queues it behind the waiters and
 *       {@link #tryAcquire(MultiLockType) tryAcquire} returns empty. A stream of shared requests
 *       can therefore never starve a waiting exclusive one. When the first waiter becomes
 *       compatible with the holders, it and every compatible waiter directly behind it are
 *       granted together.
 *   <li><b>Cancellation.</b> If anyone other than the lock completes a pending acquisition
 *       future ({@code cancel}, {@code orTimeout}, {@code completeOnTimeout},
 *       {@code completeExceptionally}, {@code complete}), the request is withdrawn and the waiters
 *       it held back are let in. If the lock granted it at the same moment, that grant is
 *       released again. Nothing leaks: once every future is done and every handle released, the
 *       lock is unlocked with an empty queue.
 *   <li><b>Where continuations run.</b> A waiter's future is completed by the thread that made
 *       the grant possible (the releaser, downgrader or canceller), unless an executor was given.
 *       When such a continuation releases again, the waiter it enables is completed by the same
 *       thread after that inner release returns, so a long chain of hand-offs runs in constant
 *       stack depth. A continuation must therefore not block waiting for an acquisition that its
 *       own release enables: that acquisition completes only after the continuation returns.
 *   <li><b>Progress.</b> No method blocks, parks or spins waiting for another thread. In the
 *       lock-free implementation every call finishes in a bounded number of its own steps (not
 *       counting the continuations it runs, see above) plus compare-and-set retries, each of
 *       which means that another call made progress. Futures are completed only after the lock's
 *       own bookkeeping is done, so a continuation that blocks delays its own thread, never
 *       another thread's grants. Only the caller can block: {@code join()} on an acquisition
 *       future waits like any other future.
 *   <li><b>While calls race.</b> Every operation is linearizable while no request waits. With
 *       waiters, the grants that a release, withdrawal or downgrade enables are published by
 *       whichever thread holds the queue at that moment (possibly another caller, or a request
 *       still being queued), before that thread's call returns. Until then {@link #locked()},
 *       {@link #queueLength()} and {@code tryAcquire} may show the release without those
 *       grants; whenever no call is in flight they are exact.
 *   <li><b>Not reentrant, not bound to threads.</b> Ownership is the {@link Handle}, not the
 *       thread: any thread may release it, and a second request by the same thread or task is
 *       just another request. So a holder that requests the lock again can wait for itself: an
 *       exclusive holder always does, and a shared holder does once an exclusive request is
 *       queued.
 * </ul>
 *
 * <p>Memory consistency effects: actions in a thread before it releases an acquisition
 * <i>happen-before</i> the actions that follow every acquisition that release enables (in the
 * thread that runs them, including continuations of the acquisition future); the same holds for
 * a withdrawal or a downgrade and the acquisitions, {@link #watch watch} flags and
 * {@link #whenAcquirable whenAcquirable} futures it enables. A {@code tryAcquire} that returns
 * empty has no memory effect: it changes nothing, and no ordering may be inferred from it.
 *
 * <h2>Example</h2>
 * <pre>{@code
 * MultiLock lock = MultiLock.create();
 *
 * // Readers share the lock; each acquisition has its own handle.
 * Handle reader = lock.acquire(MultiLockType.SHARED).join();
 * assert lock.locked() == MultiLockType.SHARED;
 *
 * // A writer waits until the last reader is gone; nothing blocks meanwhile.
 * CompletableFuture<Void> write = lock.acquire(MultiLockType.EXCLUSIVE)
 *         .thenAccept(writer -> {
 *             try (writer) {
 *                 // exclusive section
 *             }
 *         });
 * assert lock.tryAcquire(MultiLockType.SHARED).isEmpty(); // a writer is waiting: no barging
 * reader.release();                                       // the writer runs here, on this thread
 * assert write.isDone() && lock.locked() == MultiLockType.NONE;
 * }</pre>
 *
 * <p>This interface is sealed: its implementations are the locks of the installed implementation
 * module, found by {@link #create()}, and {@link MultiLockSet}, which takes several locks at once.
 *
 * @since 0.1.0
 */
public sealed interface MultiLock permits AbstractMultiLock, MultiLockSet {

    /**
     * Creates a new, unlocked lock from the installed implementation.
     *
     * <p>The implementation is found once through {@link java.util.ServiceLoader}: on the module
     * path the module {@code dev.multilock.lockfree} provides it, on the class path its
     * {@code META-INF/services} entry does. If several are installed, the first one the service
     * loader finds is used.
     *
     * @return a new lock, unlocked and with an empty queue
     * @throws IllegalStateException if no implementation is installed; the message names the
     *     module to add
     */
    static MultiLock create() {
        return Implementation.provider().create();
    }

    /**
     * Tells how the lock is held now: {@link MultiLockType#EXCLUSIVE} for one exclusive holder,
     * {@link MultiLockType#SHARED} for one or more shared holders, otherwise
     * {@link MultiLockType#NONE}. Holders of {@code NONE} acquisitions do not show.
     *
     * @return the strongest mode among the current holders, or {@code NONE}
     */
    MultiLockType locked();

    /**
     * Requests the lock in the given mode.
     *
     * <p>If the request can be granted at once (nobody waits and the holders allow it) the
     * returned future is already complete. Otherwise the request joins the end of the queue and
     * the future completes when it is granted, on the thread that made the grant possible.
     *
     * <p>Completing the returned future by any other means ({@code cancel},
     * {@code completeExceptionally}, {@code complete}, {@code orTimeout},
     * {@code completeOnTimeout}) while it waits withdraws the request; if the grant raced with
     * that completion, the grant is released again. {@code obtrudeValue} and
     * {@code obtrudeException} on a future that was already granted do not release the grant:
     * release its handle instead.
     *
     * @param type the mode to acquire
     * @return a future of the acquisition's handle
     * @throws NullPointerException if {@code type} is null
     * @throws IllegalStateException if the request would have to wait and the implementation's
     *     limit of waiting requests (on the order of a billion) is reached; nothing changes then.
     *     At the limit of shared holders, of the same order, a shared request waits instead
     */
    CompletableFuture<Handle> acquire(MultiLockType type);

    /**
     * Requests the lock in the given mode, completing a waiting request on {@code executor}.
     *
     * <p>As {@link #acquire(MultiLockType)}, except that a request that had to wait is completed
     * by a task submitted to {@code executor} rather than by the thread that made the grant
     * possible. A request granted at once is returned already complete and never touches the
     * executor. If the executor rejects the task, the grant is released again and the future
     * completes exceptionally with the executor's exception.
     *
     * @param type the mode to acquire
     * @param executor where to complete the future of a request that had to wait
     * @return a future of the acquisition's handle
     * @throws NullPointerException if {@code type} or {@code executor} is null
     * @throws IllegalStateException if the request would have to wait and the implementation's
     *     limit of waiting requests is reached; nothing changes then
     */
    CompletableFuture<Handle> acquire(MultiLockType type, Executor executor);

    /**
     * Acquires the lock in the given mode if that is possible now, without waiting.
     *
     * <p>Succeeds if and only if nobody is waiting and the holders allow the mode; so a waiting
     * exclusive request keeps new shared requests out. (At the implementation's limit of shared
     * holders, on the order of a billion, the holders no longer allow another shared one.) A
     * failed attempt changes nothing and has no memory effect.
     *
     * @param type the mode to acquire
     * @return the new acquisition's handle, or empty if the lock could not be taken at once
     * @throws NullPointerException if {@code type} is null
     */
    Optional<Handle> tryAcquire(MultiLockType type);

    /**
     * Releases an acquisition of this lock, from any thread, and lets in the waiters this enables.
     *
     * <p>Those waiters whose futures have no executor are completed on this thread before this
     * method returns, unless this thread is already completing waiters further up its stack (a
     * release inside a continuation), in which case that outer call completes them right after
     * this one returns.
     *
     * @param handle the handle of an acquisition of this lock
     * @return {@code true} if this call released the acquisition, {@code false} if it had been
     *     released already
     * @throws NullPointerException if {@code handle} is null
     * @throws IllegalArgumentException if {@code handle} belongs to another lock; nothing changes
     *     then
     */
    boolean release(Handle handle);

    /**
     * Waits on this thread until the lock is granted in the given mode, in the same first-in,
     * first-out queue as asynchronous requests (a blocked {@code lock} and an {@code acquire}
     * queued behind it are served in arrival order). As
     * {@link java.util.concurrent.locks.Lock#lock()}, an interrupt does not stop the wait: the
     * request stays queued, and the thread's interrupt status is set again when this returns.
     *
     * <p>The thread may spin briefly before it parks, and never waits inside {@code synchronized},
     * so a virtual thread unmounts while it waits. Only the calling thread waits: the lock's own
     * operations do not wait for it.
     *
     * @param type the mode to acquire
     * @return the acquisition's handle
     * @throws NullPointerException if {@code type} is null
     * @throws IllegalStateException as {@link #acquire(MultiLockType)}, at the limit of waiters
     */
    Handle lock(MultiLockType type);

    /**
     * Waits on this thread until the lock is granted in the given mode, or the thread is
     * interrupted, which withdraws the request (as a cancellation would) and throws.
     *
     * <p>As {@link java.util.concurrent.locks.Lock#lockInterruptibly()}: called with the interrupt
     * status set, it throws at once, makes no request, and clears the status. A grant that
     * arrives before the interrupt has withdrawn the request is returned, not dropped; the
     * interrupt status is then set again.
     *
     * @param type the mode to acquire
     * @return the acquisition's handle
     * @throws InterruptedException if the thread was interrupted before or while waiting; the
     *     request is withdrawn and nothing is held
     * @throws NullPointerException if {@code type} is null
     * @throws IllegalStateException as {@link #acquire(MultiLockType)}, at the limit of waiters
     */
    Handle lockInterruptibly(MultiLockType type) throws InterruptedException;

    /**
     * Waits on this thread at most {@code timeout} for the lock in the given mode. On timeout the
     * request is withdrawn and the result is empty; an interrupt withdraws it and throws. A zero
     * or negative timeout is {@link #tryAcquire(MultiLockType)}; a timeout too large for
     * nanoseconds waits without limit.
     *
     * <p>As {@link java.util.concurrent.locks.Lock#tryLock(long, TimeUnit)}, called with the
     * interrupt status set and a positive timeout it throws at once, makes no request, and clears
     * the status. A grant that arrives before the timeout or the interrupt has withdrawn the
     * request is returned, not dropped (after an interrupt, with the interrupt status set again).
     *
     * @param type the mode to acquire
     * @param timeout how long to wait at most
     * @return the acquisition's handle, or empty if the timeout passed first
     * @throws InterruptedException if the thread was interrupted before or while waiting; the
     *     request is withdrawn and nothing is held
     * @throws NullPointerException if {@code type} or {@code timeout} is null
     * @throws IllegalStateException as {@link #acquire(MultiLockType)}, at the limit of waiters
     */
    Optional<Handle> tryLock(MultiLockType type, Duration timeout)
            throws InterruptedException;

    /**
     * Returns this lock as a {@link ReadWriteLock}: {@code readLock()} takes it SHARED and
     * {@code writeLock()} EXCLUSIVE, in the same queue as every other request; the same view every
     * time.
     *
     * <p>Every {@link java.util.concurrent.locks.Lock} method works as its Javadoc says, with
     * these differences, as for {@code StampedLock.asReadWriteLock()}:
     * <ul>
     *   <li>No owner thread: {@code unlock()} releases one hold taken through that same
     *       {@code Lock}, from any thread; with none, it throws
     *       {@link IllegalMonitorStateException} and changes nothing.
     *   <li>Not reentrant: a second {@code writeLock().lock()} by the holder waits for itself.
     *   <li>{@code tryLock()} keeps first-in, first-out order: it fails while anyone waits
     *       ({@code ReentrantReadWriteLock}'s barges).
     *   <li>{@code newCondition()} throws {@link UnsupportedOperationException}.
     * </ul>
     *
     * @return the read/write view of this lock
     */
    ReadWriteLock asReadWriteLock();

    /**
     * Runs {@code action} while holding the lock in the given mode, and releases the lock when the
     * stage the action returns completes.
     *
     * <p>The lock is acquired as by {@link #acquire(MultiLockType)}; once granted, {@code action}
     * runs on the thread that completes the acquisition. The acquisition is released when the
     * action's stage completes, normally or exceptionally, or at once if the action throws or
     * returns {@code null}. The returned future completes after that release, with the stage's
     * result or exception; an exception thrown by the action, or a {@code null} stage (as a
     * {@link NullPointerException}), completes it exceptionally.
     *
     * <p>Cancelling (or otherwise completing) the returned future before the grant withdraws the
     * request; if the grant is delivered after such a completion, it is released at once. Either
     * way the action never runs. Once the action has started, the returned future cannot stop it:
     * the lock is still released when the action's stage completes.
     *
     * <pre>{@code
     * CompletableFuture<Integer> size = lock.withLock(MultiLockType.SHARED,
     *         () -> cache.sizeAsync());           // the lock is held until sizeAsync completes
     * }</pre>
     *
     * @param <T> the action's result type
     * @param type the mode to hold the lock in
     * @param action what to run under the lock; returns the stage whose completion ends it
     * @return a future of the action's outcome, completed after the lock is released
     * @throws NullPointerException if {@code type} or {@code action} is null
     */
    default <T> CompletableFuture<T> withLock(
            MultiLockType type, Supplier<? extends CompletionStage<T>> action) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(action, "action");
        CompletableFuture<Handle> acquisition = acquire(type);
        CompletableFuture<T> result = new CompletableFuture<>();
        // Completing the result first (cancel, timeout) withdraws a request that still waits;
        // once the acquisition is done this is a no-op. It cannot throw, so the stage that
        // whenComplete returns carries nothing to check.
        var unused = result.whenComplete((value, failure) -> acquisition.cancel(false));
        // Nor can this callback: whatever the action does is caught below and ends in result.
        var unusedToo = acquisition.whenComplete((handle, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            if (result.isDone()) {
                handle.release(); // cancelled as the grant arrived: the action does not start
                return;
            }
            try {
                CompletionStage<T> stage =
                        Objects.requireNonNull(action.get(), "action returned a null stage");
                stage.whenComplete((value, stageFailure) -> {
                    handle.release();
                    if (stageFailure != null) {
                        result.completeExceptionally(stageFailure);
                    } else {
                        result.complete(value);
                    }
                });
            } catch (Throwable thrown) {
                // The action threw or returned null, or its stage refused the callback. Both
                // steps are idempotent, should the stage have taken the callback and then thrown.
                handle.release();
                result.completeExceptionally(thrown);
            }
        });
        return result;
    }

    /**
     * Creates a {@link Watch} on the given mode: the asyncio-multilock {@code notify}. The watch
     * is set at once if the mode is acquirable now, and again after every release, withdrawal or
     * downgrade that leaves it acquirable. Close it when done.
     *
     * @param type the mode to watch
     * @return a new watch, registered with this lock until closed
     * @throws NullPointerException if {@code type} is null
     */
    Watch watch(MultiLockType type);

    /**
     * Returns a future that completes the next time the given mode is acquirable (at once if it
     * is now), whether a release, a withdrawal or a downgrade made it so: the asyncio-multilock
     * {@code wait}. It acquires nothing, so the mode may be taken by someone else before the
     * caller acts. Cancelling the future before it completes unregisters it.
     *
     * @param type the mode to wait for
     * @return a future completed (with {@code null}) when the mode is acquirable
     * @throws NullPointerException if {@code type} is null
     */
    CompletableFuture<Void> whenAcquirable(MultiLockType type);

    /**
     * Returns the number of requests now waiting in the queue. Watches and withdrawn requests are
     * not counted. The figure is exact whenever no call on this lock is in flight, and an estimate
     * while calls race.
     *
     * @return the number of waiting acquisitions
     */
    int queueLength();

    /**
     * Describes the lock for logs and debuggers: its mode, its number of shared or exclusive
     * holders and its queue length. The format may change between versions.
     *
     * @return a description of the lock's state
     */
    @Override
    String toString();
}
