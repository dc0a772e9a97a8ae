package dev.multilock.postgres;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.spi.AbstractHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A handle of a lock of {@link PostgresMultiLocks}: the local hold of the key, the cover of the
 * process's server lock ({@link ServerHold}), a fencing token, and the loss future.
 */
final class PgHandle extends AbstractHandle implements Lease {
    /*
     * mode (int, CAS): 0 -> DOWNGRADED (downgrade), 0 or DOWNGRADED -> RELEASED (release, once).
     * lost: set once by the hold (markLost), in its serial section; read by isHeld.
     * countedMode: the mode the hold counts this handle in; serial section only.
     */

    private static final int DOWNGRADED = 1;
    private static final int RELEASED = 2;

    final PgLock lock;
    private final Handle local;
    private final ServerHold hold;
    private final MultiLockType granted;
    private final long token;
    private final LossFuture loss = new LossFuture();
    @SuppressWarnings("unused") // accessed through MODE
    private volatile int mode;
    private volatile boolean lost;
    /** The mode the hold counts this handle in; changed only in the hold's serial section. */
    MultiLockType countedMode;

    PgHandle(PgLock lock, Handle local, ServerHold hold, MultiLockType granted, long token) {
        this.lock = lock;
        this.local = local;
        this.hold = hold;
        this.granted = granted;
        this.token = token;
        this.countedMode = granted;
    }

    @Override
    public MultiLock lock() {
        return lock;
    }

    @Override
    public MultiLockType type() {
        return ((int) MODE.getVolatile(this) & DOWNGRADED) != 0 ? MultiLockType.SHARED : granted;
    }

    /** False once released, and once lost (the server lock is gone: P5). */
    @Override
    public boolean isHeld() {
        return ((int) MODE.getVolatile(this) & RELEASED) == 0 && !lost;
    }

    /**
     * Releases the acquisition, once: the key's local hold, and the cover of the process's
     * server lock, which is let go of if nothing else in the process needs it. A handle that was
     * lost is released the same way (its local hold); the first call returns {@code true}.
     */
    @Override
    public boolean release() {
        return lock.release(this);
    }

    /** The release itself, once the lock has checked that the handle is its own. */
    boolean releaseOnce() {
        int before = (int) MODE.getAndBitwiseOr(this, RELEASED);
        if ((before & RELEASED) != 0) {
            return false;
        }
        local.release(); // lets the next local request in; it asks the hold for cover
        if (granted != MultiLockType.NONE) {
            hold.released(this);
        }
        loss.endUnlost();
        return true;
    }

    /**
     * Turns an EXCLUSIVE hold into a SHARED one: at once in this process (the local lock), and
     * on the server as soon as no other EXCLUSIVE holder of the process needs the server lock
     * exclusive, with no moment at which the key is free there.
     */
    @Override
    public boolean downgrade() {
        if (granted != MultiLockType.EXCLUSIVE || lost
                || !MODE.compareAndSet(this, 0, DOWNGRADED)) {
            return false;
        }
        local.downgrade();
        hold.downgraded(this);
        return true;
    }

    @Override
    public long fencingToken() {
        return token;
    }

    @Override
    public CompletableFuture<Void> lost() {
        return loss;
    }

    /** Called by the hold when the server lock this handle is covered by is gone. */
    void markLost(Throwable cause, Executor executor) {
        lost = true;
        Deliveries.deliver(loss::endLost, executor);
    }

    @Override
    public String toString() {
        return "Handle[" + type() + (lost ? ", lost" : isHeld() ? ", held" : ", released")
                + ", token=" + token + "] of " + lock;
    }

    /**
     * The future of {@link #lost()}: completed by the lock alone. Every way of completing it from
     * outside throws {@link UnsupportedOperationException}; its dependent stages are plain
     * futures.
     */
    private static final class LossFuture extends CompletableFuture<Void> {

        void endLost() {
            super.complete(null);
        }

        void endUnlost() {
            super.cancel(false);
        }

        private static UnsupportedOperationException readOnly() {
            return new UnsupportedOperationException(
                    "lost() is completed by the lock only; depend on it instead");
        }

        @Override
        public boolean complete(Void value) {
            throw readOnly();
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            throw readOnly();
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            throw readOnly();
        }

        @Override
        public void obtrudeValue(Void value) {
            throw readOnly();
        }

        @Override
        public void obtrudeException(Throwable ex) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Void> completeAsync(
                Supplier<? extends Void> supplier, Executor executor) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Void> completeAsync(Supplier<? extends Void> supplier) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Void> completeOnTimeout(
                Void value, long timeout, TimeUnit unit) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Void> orTimeout(long timeout, TimeUnit unit) {
            throw readOnly();
        }
    }

    // VarHandle mechanics
    private static final VarHandle MODE;
    static {
        try {
            MODE = MethodHandles.lookup().findVarHandle(PgHandle.class, "mode", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
