package dev.multilock.postgres;

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
 * One {@code acquire} of a lock of {@link PostgresMultiLocks}, and the future the user gets. It
 * first waits in the key's local lock, then for the {@link ServerHold} to cover it.
 *
 * <p>As in the lock-free lock, every way of completing the future from outside ({@code cancel},
 * {@code complete}, {@code completeExceptionally}, {@code orTimeout},
 * {@code completeOnTimeout}, {@code completeAsync}, {@code obtrude*}) withdraws the request
 * first.
 */
final class PgRequest extends CompletableFuture<Handle> {
    /*
     * Implementation notes.
     *
     * state (int, CAS):
     *
     *   LOCAL_WAIT ──local grant (onLocal)──> COVER_WAIT ──claim() by the hold──> GRANTED
     *       │                                     │ └──fail() by the hold──> FAILED
     *       │ completed from outside              │ completed from outside
     *       └────────────> WITHDRAWN <────────────┘
     *
     * Whoever wins the CAS out of a waiting state owns the consequences:
     *   - LOCAL_WAIT -> WITHDRAWN (interfere): cancels the local request; if the local lock
     *     granted it anyway (the grant raced the cancel), onLocal finds WITHDRAWN and releases
     *     the local hold. The request's demand and use end here.
     *   - COVER_WAIT -> WITHDRAWN (interfere): asks the hold to drop it (ServerHold.withdraw),
     *     which releases the local hold and ends the demand and the use in the serial section
     *     (`settled` keeps that to once, whichever of request() and withdraw() runs second).
     *   - COVER_WAIT -> GRANTED (the hold): the handle is delivered; if someone completed the
     *     future in between, deliver() finds it done and releases the handle.
     *
     * localHandle is written by the local grant's thread before the CAS to COVER_WAIT and read
     * by the hold after it: ordered by that CAS and the serial executor's queue.
     */

    private static final int LOCAL_WAIT = 0;
    private static final int COVER_WAIT = 1;
    private static final int GRANTED = 2;
    private static final int WITHDRAWN = 3;
    private static final int FAILED = 4;

    final PgLock lock;
    final ServerHold hold;
    final MultiLockType type;
    private final @Nullable Executor executor;
    /**
     * Whether the future is the private wait of a thread blocked in {@code lock} (not a user's
     * future): its grant is completed where it is made, not through {@link Deliveries}, since
     * that thread may be the one whose deliveries are held back.
     */
    private final boolean direct;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private volatile @Nullable CompletableFuture<Handle> local;
    private @Nullable Handle localHandle; // see the notes
    /** Whether the hold has given back what this request held; serial section only. */
    boolean settled;

    PgRequest(PgLock lock, ServerHold hold, MultiLockType type, @Nullable Executor executor,
            boolean direct) {
        this.lock = lock;
        this.hold = hold;
        this.type = type;
        this.executor = executor;
        this.direct = direct;
    }

    /**
     * Goes on with a local hold the caller took itself (a thread waiting in {@code lock}): asks
     * the hold for cover. Called once, instead of {@link #start}.
     */
    void startWithLocal(Handle local) {
        localHandle = local; // published by the CAS below
        if (!STATE.compareAndSet(this, LOCAL_WAIT, COVER_WAIT)) {
            local.release(); // failed by close meanwhile
            return;
        }
        hold.request(this);
    }

    /** Gives up before any local hold (the caller's local wait failed or timed out). */
    void abandon() {
        if (STATE.compareAndSet(this, LOCAL_WAIT, FAILED)) {
            hold.demand.decrementAndGet();
            hold.forget(this);
            hold.recheck();
            hold.unpin();
        }
    }

    /** Follows the local request; called once, before the future is returned. */
    void start(CompletableFuture<Handle> localRequest) {
        local = localRequest;
        // onLocal ends every path itself: the stage whenComplete returns carries nothing to check
        var unused = localRequest.whenComplete(this::onLocal);
    }

    private void onLocal(@Nullable Handle h, @Nullable Throwable failure) {
        if (failure != null || h == null) {
            // the local request failed or was cancelled; a cancellation is ours (interfere)
            if (STATE.compareAndSet(this, LOCAL_WAIT, FAILED)) {
                hold.demand.decrementAndGet();
                hold.forget(this);
                hold.recheck();
                hold.unpin();
                Throwable f = failure != null ? failure
                        : new IllegalStateException("the local lock granted no handle");
                deliverFailure(f, hold.owner.executor());
            }
            return;
        }
        localHandle = h; // published by the CAS below
        if (!STATE.compareAndSet(this, LOCAL_WAIT, COVER_WAIT)) {
            h.release(); // withdrawn while it waited locally: the grant raced the withdrawal
            return;
        }
        hold.request(this);
    }

    Handle localHandle() {
        return Objects.requireNonNull(localHandle, "granted by the local lock");
    }

    boolean isWithdrawn() {
        return (int) STATE.getVolatile(this) == WITHDRAWN;
    }

    /** The hold grants this request; false if it was withdrawn meanwhile. */
    boolean claim() {
        return STATE.compareAndSet(this, COVER_WAIT, GRANTED);
    }

    /** The hold fails this request; false if it was withdrawn meanwhile. */
    boolean fail() {
        return STATE.compareAndSet(this, COVER_WAIT, FAILED);
    }

    /** Completes the future with a granted handle, where {@link Deliveries} says. */
    void deliver(PgHandle h, Executor libraryExecutor) {
        Executor e = executor;
        Runnable complete = () -> {
            if (!super.complete(h)) {
                h.release(); // completed from outside between the grant and now
            }
        };
        if (direct) {
            complete.run(); // wakes the waiting thread; runs no user code
            return;
        }
        if (e == null) {
            Deliveries.deliver(complete, libraryExecutor);
            return;
        }
        // handed to the executor after the hold's bookkeeping too: an executor that runs the
        // task on the calling thread must not run user code inside it
        Deliveries.deliver(() -> {
            try {
                e.execute(complete);
            } catch (RuntimeException | Error rejected) {
                h.release(); // the grant cannot reach its continuation: give it back
                super.completeExceptionally(rejected);
            }
        }, libraryExecutor);
    }

    /**
     * Fails a request still in the key's local queue, as its owner closes (P5): withdraws it
     * from the local queue and completes the future with {@code failure}. Does nothing in any
     * other state (the hold fails those waiting for cover itself).
     */
    void failLocal(PostgresLockException failure, Executor libraryExecutor) {
        if (!STATE.compareAndSet(this, LOCAL_WAIT, FAILED)) {
            return;
        }
        CompletableFuture<Handle> l = local;
        if (l != null) {
            l.cancel(false); // a grant racing this finds FAILED and releases the local hold
        }
        hold.demand.decrementAndGet();
        hold.forget(this);
        hold.unpin();
        deliverFailure(failure, libraryExecutor);
    }

    /** Completes the future with a failure of the database, where {@link Deliveries} says. */
    void deliverFailure(Throwable failure, Executor libraryExecutor) {
        Deliveries.deliver(() -> super.completeExceptionally(failure), libraryExecutor);
    }

    /** Withdraws the request if it still waits, before a completion from outside. */
    private void interfere() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s == LOCAL_WAIT) {
                if (STATE.compareAndSet(this, LOCAL_WAIT, WITHDRAWN)) {
                    CompletableFuture<Handle> l = local;
                    if (l != null) {
                        l.cancel(false); // withdraws it from the local queue, if still there
                    }
                    hold.demand.decrementAndGet();
                    hold.forget(this);
                    hold.recheck(); // the hold may no longer be needed
                    hold.unpin();
                    return;
                }
            } else if (s == COVER_WAIT) {
                if (STATE.compareAndSet(this, COVER_WAIT, WITHDRAWN)) {
                    hold.withdraw(this);
                    return;
                }
            } else {
                return;
            }
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        interfere();
        return super.cancel(mayInterruptIfRunning);
    }

    @Override
    public boolean complete(Handle value) {
        interfere();
        return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        Objects.requireNonNull(ex, "ex");
        interfere();
        return super.completeExceptionally(ex);
    }

    @Override
    public void obtrudeValue(Handle value) {
        interfere();
        super.obtrudeValue(value);
    }

    @Override
    public void obtrudeException(Throwable ex) {
        Objects.requireNonNull(ex, "ex");
        interfere();
        super.obtrudeException(ex);
    }

    /** Routed through {@link #complete} so that the completion withdraws the request. */
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
        int s = (int) STATE.getVolatile(this);
        String waiting = s == LOCAL_WAIT ? "[waiting for " + type + " on " + lock + " locally]"
                : s == COVER_WAIT ? "[waiting for " + type + " on " + lock + " on the server]"
                : "";
        return super.toString() + waiting;
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PgRequest.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
