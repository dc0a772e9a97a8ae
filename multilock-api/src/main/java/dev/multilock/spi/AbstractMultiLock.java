package dev.multilock.spi;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * The base of every lock implementation; the one type besides the lock sets that the sealed
 * {@link MultiLock} permits.
 *
 * <p>Lock sets acquire their leaf locks in one global order, which is what keeps two sets that
 * share locks from deadlocking. A lock's place in that order is its {@link #globalOrder()}, a
 * number drawn from a global sequence when the lock is created (so plain locks are ordered by
 * creation), or, for locks created at a high rate, the first time a set asks for it; fixed from
 * then on.
 * A lock that stands for something that may come and go (the lock of a key, whose state is
 * dropped when idle) names, through {@link #pin()}, the lock whose order counts and keeps it
 * alive while a set works with it.
 *
 * @since 0.1.0
 */
public abstract non-sealed class AbstractMultiLock implements MultiLock, LockPin {
    /*
     * Implementation notes.
     *
     * order: a number of SEQUENCE, drawn by the constructor, or (orderAtCreation false) 0 until
     * the first globalOrder(), then set once by CAS. The lazy draw is for the state of a keyed
     * lock, created and dropped at the rate of acquisitions of new keys, so that this rate does
     * not contend on one shared counter. A lazily drawn number is as good as one drawn at
     * creation: what keeps sets deadlock-free is that every lock has one fixed place in one
     * total order while sets use it.
     */

    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** The place in the global order; 0 until first asked for. */
    @SuppressWarnings("unused") // accessed through ORDER
    private volatile long order;
    /** The view of {@link #asReadWriteLock()}; created on first use. */
    private volatile @Nullable ReadWriteView readWriteView;

    /** Creates a lock and gives it the next place in the global order. */
    protected AbstractMultiLock() {
        this(true);
    }

    /**
     * Creates a lock.
     *
     * @param orderAtCreation whether to draw the lock's place in the global order now, or when
     *     {@link #globalOrder()} is first called
     */
    protected AbstractMultiLock(boolean orderAtCreation) {
        if (orderAtCreation) {
            order = SEQUENCE.incrementAndGet();
        }
    }

    /**
     * Returns this lock's place in the global order in which lock sets acquire their leaves:
     * unique among the locks of this class loader, and the same on every call.
     *
     * @return the place of this lock, a positive number
     */
    @Override
    public final long globalOrder() {
        long o = (long) ORDER.getAcquire(this);
        if (o != 0) {
            return o;
        }
        long drawn = SEQUENCE.incrementAndGet();
        long witness = (long) ORDER.compareAndExchange(this, 0L, drawn);
        return witness == 0 ? drawn : witness;
    }

    /**
     * Creates this lock's {@link ReadWriteView}, once, on the first {@link #asReadWriteLock()}.
     * A lock keeps the holds taken through the view in the view; the lock of a key overrides this
     * to keep them with the key's state, so that every lock of the key shares them (K1, W2).
     *
     * @return a new view of this lock
     */
    protected ReadWriteView newReadWriteView() {
        return new ReadWriteView(this);
    }

    /** The same view every time: created once, by CAS, on first use. */
    @Override
    public final ReadWriteLock asReadWriteLock() {
        ReadWriteView v = readWriteView;
        if (v != null) {
            return v;
        }
        ReadWriteView made = newReadWriteView();
        ReadWriteView witness = (ReadWriteView) VIEW.compareAndExchange(this, null, made);
        return witness == null ? made : witness;
    }

    // ---- waiting on the calling thread ----

    /**
     * {@inheritDoc}
     *
     * <p>Waits through {@link #awaitOnThread}, which the implementation provides.
     */
    @Override
    public final Handle lock(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        try {
            return Objects.requireNonNull(awaitOnThread(type, false, Long.MAX_VALUE),
                    "an untimed wait ends with the grant");
        } catch (InterruptedException impossible) {
            throw new AssertionError("an uninterruptible wait threw", impossible);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Waits through {@link #awaitOnThread}, which the implementation provides.
     */
    @Override
    public final Handle lockInterruptibly(MultiLockType type) throws InterruptedException {
        Objects.requireNonNull(type, "type");
        if (Thread.interrupted()) {
            throw new InterruptedException(); // W4: no request, status cleared
        }
        return Objects.requireNonNull(awaitOnThread(type, true, Long.MAX_VALUE),
                "an untimed wait ends with the grant");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Waits through {@link #awaitOnThread}, which the implementation provides.
     */
    @Override
    public final Optional<Handle> tryLock(MultiLockType type, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            return tryAcquire(type);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException(); // W4: no request, status cleared
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE; // W4: waits without limit
        }
        return Optional.ofNullable(awaitOnThread(type, true, nanos));
    }

    /**
     * Makes a request of {@code type} and waits for its grant on the calling thread, in the same
     * queue as the asynchronous requests: the core of {@link #lock}, {@link #lockInterruptibly}
     * and {@link #tryLock}, which have checked their arguments and the interrupt status (API.md,
     * W1 to W4) before they call it.
     *
     * @param type the mode to acquire; not null
     * @param interruptible whether an interrupt withdraws the request and throws; if not, the
     *     wait goes on and the interrupt status is set again on return
     * @param nanos the longest wait, positive; {@link Long#MAX_VALUE} waits without limit
     * @return the grant's handle, or null if the wait timed out and the request was withdrawn
     *     (a grant that came first is returned, not dropped)
     * @throws InterruptedException if interruptible and interrupted before the grant; the request
     *     is withdrawn then and nothing is held
     */
    protected abstract @Nullable Handle awaitOnThread(MultiLockType type, boolean interruptible,
            long nanos) throws InterruptedException;

    /**
     * Tells whether a {@code tryAcquire(type)} would succeed now: nobody waits and the holders
     * admit the mode. A read without side effects; lock sets use it to decide whether all their
     * leaves are acquirable.
     *
     * @param type the mode to ask about
     * @return whether the mode is acquirable at this moment
     * @throws NullPointerException if {@code type} is null
     */
    public abstract boolean isAcquirable(MultiLockType type);

    /**
     * Returns what a lock set orders this lock by while the set acquires it, kept alive until its
     * {@link LockPin#unpin()}, which the caller must call exactly once.
     *
     * <p>A lock that is its own state returns itself, and its {@code unpin()} does nothing. The
     * lock of a key returns the key's state, creating it if the key is idle, and keeps it from
     * being dropped until unpinned, so that its order stays the same for as long as the set
     * needs it.
     *
     * @return the pin that orders this lock; pinned
     */
    public LockPin pin() {
        return this;
    }

    /**
     * Ends one {@link #pin()} that returned this lock. Does nothing unless this lock is the state
     * of a key, which may then be dropped if nothing else uses it.
     */
    @Override
    public void unpin() {}

    // VarHandle mechanics
    private static final VarHandle ORDER;
    private static final VarHandle VIEW;
    static {
        try {
            ORDER = MethodHandles.lookup()
                    .findVarHandle(AbstractMultiLock.class, "order", long.class);
            VIEW = MethodHandles.lookup().findVarHandle(
                    AbstractMultiLock.class, "readWriteView", ReadWriteView.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
