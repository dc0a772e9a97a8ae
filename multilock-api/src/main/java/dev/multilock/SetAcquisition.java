package dev.multilock;

import dev.multilock.spi.AbstractMultiLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * One {@link MultiLockSet#acquire} in progress: requests the leaves one after another in the
 * set's order, and gives back what it holds if its future is completed from outside.
 */
final class SetAcquisition {
    /*
     * Implementation notes.
     *
     * `result` is the future the user gets. The chain requests leaf i only after leaf i-1 is
     * held; `current` is the leaf request in flight. If the user completes `result` (cancel,
     * timeout, ...), its whenComplete cancels `current`; the chain, on its side, checks
     * result.isDone() after writing `current` and after every grant. Both are volatile (the
     * future's completion is a CAS), so either the canceller sees the newest request or the
     * chain sees the completion: a request is never left queued. Whatever the chain holds when
     * it notices the completion, it releases; a leaf grant that loses to the cancellation is
     * released by the leaf itself (the contract of acquire).
     *
     * Leaves granted at once are taken in a loop, not by recursion; a leaf that waits resumes
     * the loop from its continuation, so the depth does not grow with the number of leaves.
     *
     * The leaves are pinned (MultiLockSet.pinLeaves) from the start until `result` completes,
     * however it completes: a keyed lock's state, and with it its place in the global order,
     * stays the same while this acquisition may still request it. What the chain does after
     * that (releasing what it holds, cancelling a request that lost the race) needs no pin: the
     * holds and the requests keep their own states alive.
     */

    private final MultiLockSet set;
    private final MultiLockType type;
    /** Where leaf requests that wait are completed; null: on the granting thread. */
    private final @Nullable Executor executor;
    /** The leaves in the order of their pins. */
    private final AbstractMultiLock[] leaves;
    private final PinnedLeaves pinned;
    /**
     * Leaf handles held so far, by leaf index, null past the last one taken; written only by the
     * chain, one step at a time.
     */
    private final @Nullable Handle[] held;
    private final CompletableFuture<Handle> result = new CompletableFuture<>();
    /** The leaf request in flight; null before the first. */
    private volatile @Nullable CompletableFuture<Handle> current;
    /** 1 while this acquisition counts in the set's queue length; cleared once, by CAS. */
    @SuppressWarnings("unused") // read only through COUNTED
    private volatile int counted;

    SetAcquisition(MultiLockSet set, MultiLockType type, @Nullable Executor executor) {
        this.set = set;
        this.type = type;
        this.executor = executor;
        this.pinned = set.pinLeaves();
        this.leaves = pinned.leaves();
        this.held = new Handle[leaves.length];
    }

    CompletableFuture<Handle> start() {
        advance(0);
        if (result.isDone()) {
            pinned.unpin();
        } else {
            counted = 1;
            set.waiting.incrementAndGet();
            // uncount, cancel and unpin throw nothing: the stage whenComplete returns carries
            // nothing to check
            var unused = result.whenComplete((h, failure) -> {
                uncount();
                CompletableFuture<Handle> c = current;
                if (c != null) {
                    c.cancel(false); // withdraws a leaf request still waiting; else a no-op
                }
                pinned.unpin();
            });
        }
        return result;
    }

    /** Requests leaves from {@code i} on, as long as they are granted at once. */
    private void advance(int i) {
        for (; i < leaves.length; i++) {
            CompletableFuture<Handle> f;
            try {
                f = executor == null ? leaves[i].acquire(type) : leaves[i].acquire(type, executor);
            } catch (RuntimeException | Error failure) {
                SetHandle.releaseAll(held, i);
                result.completeExceptionally(failure);
                return;
            }
            current = f;
            if (result.isDone()) {
                f.cancel(false); // completed from outside: stop here
            }
            if (!f.isDone()) {
                int index = i;
                // resume ends every path in result: its stage carries nothing to check
                var unused = f.whenComplete((h, failure) -> resume(index, h, failure));
                return;
            }
            if (f.isCompletedExceptionally()) {
                SetHandle.releaseAll(held, i);
                result.completeExceptionally(f.handle((h, failure) -> failure).join());
                return;
            }
            held[i] = f.join();
            if (result.isDone()) {
                SetHandle.releaseAll(held, i + 1);
                return;
            }
        }
        SetHandle handle = SetHandle.of(set, type, held);
        uncount(); // before the user's continuations run, so that they see the queue without it
        if (!result.complete(handle)) {
            handle.releaseLeaves(); // completed from outside just now
        }
    }

    /** Stops counting this acquisition as waiting; idempotent. */
    private void uncount() {
        if (COUNTED.compareAndSet(this, 1, 0)) {
            set.waiting.decrementAndGet();
        }
    }

    /** Continues after leaf {@code i} was granted or failed. */
    private void resume(int i, @Nullable Handle h, @Nullable Throwable failure) {
        if (failure != null) {
            SetHandle.releaseAll(held, i);
            result.completeExceptionally(failure);
            return;
        }
        held[i] = h;
        if (result.isDone()) {
            SetHandle.releaseAll(held, i + 1);
            return;
        }
        advance(i + 1);
    }

    // VarHandle mechanics
    private static final VarHandle COUNTED;
    static {
        try {
            COUNTED = MethodHandles.lookup()
                    .findVarHandle(SetAcquisition.class, "counted", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
