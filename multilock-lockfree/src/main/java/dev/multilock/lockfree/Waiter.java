package dev.multilock.lockfree;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A request that had to wait: the queue node and the future handed to the user, in one object.
 *
 * <p>The future's completion methods are overridden so that a completion by anyone but the lock
 * ({@code cancel}, {@code complete}, {@code completeExceptionally}, {@code orTimeout} and
 * {@code completeOnTimeout}, which call those, {@code completeAsync}, {@code obtrude*}) withdraws
 * the request first. Dependent stages are plain {@link CompletableFuture}s, as
 * {@link #newIncompleteFuture()} is not overridden.
 */
final class Waiter extends CompletableFuture<Handle> implements Node {
    /*
     * Implementation notes.
     *
     * status (int), changed only by CAS, each transition made once:
     *
     *            claim() by the drain owner
     *   WAITING ─────────────────────────────> GRANTED ──deliver()──> future completed with a
     *      │                                                          handle (or, if someone
     *      │                                                          completed it first, the
     *      │ cancel/complete/... by anyone else                        handle released)
     *      └─────────────────────────────────> WITHDRAWN ──lock.withdraw()──> waiter count - 1
     *
     * Whoever wins the CAS out of WAITING owns the consequences: the drain owner adds the hold and
     * delivers; the withdrawer subtracts the waiter and lets the drain look again. A completion
     * that loses to a grant still completes the future (super.cancel and so on), so deliver()
     * finds the future done and releases the handle it was about to hand over: the grant is
     * released again and nothing leaks.
     *
     * next: the link of whichever list the node is in, one at a time. Before the push it is
     * written by the enqueuing thread and published by the CAS on the lock's top; from then on
     * only the drain owner reads or writes it (arrival stack, queue, list of grants to deliver),
     * each owner publishing to the next through the CAS that clears the lock's DRAINING bit.
     */

    final LockFreeMultiLock lock;
    final MultiLockType type;
    /** Where to complete the future once granted; null: on the granting thread. */
    final @Nullable Executor executor;
    volatile int status;
    /** See the notes: one list at a time; ordered by the lock's CASes. */
    private @Nullable Node next;
    /** The JFR event of this wait, or null; written before the push, read by the winner. */
    private @Nullable Object event;

    Waiter(LockFreeMultiLock lock, MultiLockType type, @Nullable Executor executor) {
        this.lock = lock;
        this.type = type;
        this.executor = executor;
    }

    @Override
    public MultiLockType type() {
        return type;
    }

    @Override
    public int status() {
        return status;
    }

    /** Turns WAITING into GRANTED; called by the drain owner only. */
    @Override
    public boolean claim() {
        return STATUS.compareAndSet(this, WAITING, GRANTED);
    }

    @Override
    public @Nullable Node next() {
        return next;
    }

    @Override
    public void queued(long ahead) {
        event = WaitEvents.begin(ahead); // published with the node by the push
    }

    @Override
    public void setNext(@Nullable Node next) {
        this.next = next; // see the notes: ordered by the lock's CASes
    }

    /** Completes the future of a claimed request, on the executor if one was given. */
    @Override
    public void deliver() {
        WaitEvents.end(event, lock, type, WaitEvents.GRANTED);
        Executor e = executor;
        if (e == null) {
            completeGranted();
            return;
        }
        try {
            e.execute(this::completeGrantedOnExecutor);
        } catch (RuntimeException | Error rejected) {
            // the executor refused: the grant cannot reach its continuation, so give it back
            lock.endHold(LockFreeMultiLock.holdUnit(type));
            super.completeExceptionally(rejected);
        }
    }

    private void completeGrantedOnExecutor() {
        Trampoline t = Trampoline.current();
        boolean opened = t.open();
        try {
            completeGranted();
        } finally {
            if (opened) {
                t.close();
            }
        }
    }

    private void completeGranted() {
        LockFreeHandle h = new LockFreeHandle(lock, type);
        if (!super.complete(h)) {
            // completed by someone else between the grant and now: release the grant again
            lock.release(h);
        }
    }

    /**
     * Withdraws the request if it still waits, before a completion by someone other than the lock.
     *
     * @return the trampoline this call opened, to be closed after the completion, or null
     */
    private @Nullable Trampoline interfere() {
        if (status != WAITING) {
            return null;
        }
        Trampoline t = Trampoline.current();
        boolean opened = t.open();
        if (STATUS.compareAndSet(this, WAITING, WITHDRAWN)) {
            WaitEvents.end(event, lock, type, WaitEvents.WITHDRAWN);
            lock.withdraw();
        }
        return opened ? t : null;
    }

    private static void finish(@Nullable Trampoline opened) {
        if (opened != null) {
            opened.close();
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        Trampoline t = interfere();
        try {
            return super.cancel(mayInterruptIfRunning);
        } finally {
            finish(t);
        }
    }

    @Override
    public boolean complete(Handle value) {
        Trampoline t = interfere();
        try {
            return super.complete(value);
        } finally {
            finish(t);
        }
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        Objects.requireNonNull(ex, "ex");
        Trampoline t = interfere();
        try {
            return super.completeExceptionally(ex);
        } finally {
            finish(t);
        }
    }

    @Override
    public void obtrudeValue(Handle value) {
        Trampoline t = interfere();
        try {
            super.obtrudeValue(value);
        } finally {
            finish(t);
        }
    }

    @Override
    public void obtrudeException(Throwable ex) {
        Objects.requireNonNull(ex, "ex");
        Trampoline t = interfere();
        try {
            super.obtrudeException(ex);
        } finally {
            finish(t);
        }
    }

    /**
     * As {@link CompletableFuture#completeAsync(Supplier, Executor)}, routed through
     * {@link #complete} so that the completion withdraws the request.
     */
    @Override
    public CompletableFuture<Handle> completeAsync(
            Supplier<? extends Handle> supplier, Executor executor) {
        Objects.requireNonNull(supplier, "supplier");
        Objects.requireNonNull(executor, "executor");
        executor.execute(() -> {
            try {
                complete(supplier.get());
            } catch (Throwable ex) {
                completeExceptionally(
                        ex instanceof CompletionException ? ex : new CompletionException(ex));
            }
        });
        return this;
    }

    @Override
    public CompletableFuture<Handle> completeAsync(Supplier<? extends Handle> supplier) {
        return completeAsync(supplier, defaultExecutor());
    }

    @Override
    public String toString() {
        String s = super.toString();
        return status == WAITING ? s + "[waiting for " + type + " on " + lock + "]" : s;
    }

    // VarHandle mechanics
    private static final VarHandle STATUS;
    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(Waiter.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
