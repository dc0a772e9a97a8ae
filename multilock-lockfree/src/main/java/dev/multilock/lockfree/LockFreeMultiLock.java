package dev.multilock.lockfree;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.spi.AbstractMultiLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The lock-free {@link MultiLock}: one {@code long} state word changed only by CAS, and a
 * Treiber stack of waiters that the granting thread turns into a first-in, first-out queue.
 *
 * <p>Guarantees, beyond the contract of {@link MultiLock}:
 * <ul>
 *   <li><b>Progress.</b> Every method finishes in a bounded number of its own steps, plus CAS
 *       retries that each mean another thread's CAS succeeded (lock-free). No method blocks,
 *       parks, spins on another thread, or runs user code while holding the queue.
 *   <li><b>Fast paths.</b> An uncontended {@code tryAcquire} of a shared or exclusive mode is one
 *       CAS and allocates only its handle; {@code NONE} needs no CAS at all. An uncontended
 *       {@code acquire} adds only its already-completed future. An uncontended release is one CAS
 *       on the handle and one on the state word.
 *   <li><b>Fairness.</b> Strict arrival order. Requests that arrive at the same moment are ordered
 *       by their push onto the waiter stack.
 * </ul>
 *
 * <p>Memory consistency effects: every change of the lock's state is a CAS on one volatile word,
 * so a release <i>happens-before</i> every acquisition it enables, including the completion of
 * the acquisition's future; a {@code tryAcquire} that returns empty only reads that word.
 *
 * @since 0.1.0
 */
sealed class LockFreeMultiLock extends AbstractMultiLock permits KeyedLock {
    /*
     * Implementation notes.
     *
     * State word (long `state`; changed only by CAS):
     *
     *   bits    name           meaning
     *   0       EXCLUSIVE_BIT  one holder holds the lock EXCLUSIVE
     *   1       DRAINING_BIT   one thread owns the queue (head, tail, queued) and is granting
     *   2       RECHECK_BIT    something changed while the queue was owned: the owner must look
     *                          again before it lets go
     *   3       HEAD_EXCLUSIVE_BIT  the head of the queue, as the last owner left it, is an
     *                          EXCLUSIVE request that the holders keep out; valid while
     *                          DRAINING_BIT is clear
     *   4..33   shared count   SHARED holders (SHARED_UNIT per holder; 30 bits)
     *   34..63  waiter count   requests that wait: counted but not yet granted or withdrawn
     *                          (WAITER_UNIT per waiter; 30 bits)
     *
     * NONE holders are not counted: they keep nothing out and do not show in locked(). Their
     * handles alone know they are held.
     *
     * Waiters. A request that cannot be granted at once first adds WAITER_UNIT to the state
     * (from then on it counts as queued and every new request must queue behind it: the fast
     * paths require a waiter count of 0), then pushes its Waiter node onto the Treiber stack
     * `top` (newest first). Whoever owns the queue (DRAINING_BIT) detaches the whole stack with
     * one getAndSet, reverses it and appends it to the FIFO head..tail, which only the owner
     * touches. Arrival order is thus push order; the state CAS and the push of one request may
     * interleave with another's, and the two are then ordered by their pushes.
     *
     * Waiter node states (see Waiter): WAITING -> GRANTED by claim() of the drain owner, or
     * WAITING -> WITHDRAWN by a completion from outside; each by CAS, so a grant and a withdrawal
     * of the same node cannot both win.
     *
     * Draining. Every event that may let a waiter in (a release or withdrawal while waiters are
     * counted, or a push that finds its own type admitted by the holders) runs applyAndDrain:
     *   - if DRAINING is clear, it sets DRAINING (and nothing else) and becomes the owner; its
     *     own change of the holders stays pending;
     *   - if DRAINING is set, it applies its change to the holders at once, sets RECHECK_BIT in
     *     the same CAS, and returns: the owner will look again.
     * The owner collects arrivals, walks the queue from the head, drops withdrawn nodes, and
     * claims every waiter the projected holders (current state + its pending change + the grants
     * so far) admit, stopping at the first that is not admitted. It then publishes, in ONE CAS:
     * its pending change, all the holds it granted, minus their waiter units, and either clears
     * RECHECK (and loops) or clears DRAINING (and leaves). Only then, holding nothing, does it
     * complete the futures, through the thread's Trampoline. User code never runs while the
     * queue is owned, so a continuation that blocks cannot stall another thread's grants.
     *
     * Head-exclusive shortcut. With the publishing CAS the owner also sets HEAD_EXCLUSIVE_BIT
     * if the head it stopped at is an EXCLUSIVE request (kept out by the holders), and clears it
     * otherwise. Only an owner changes the head, so while DRAINING is clear the bit is true.
     * Then a release or downgrade that still leaves a holder (admitsNobody) cannot admit the
     * head, nor, by FIFO, anyone behind it: it is one CAS, without taking the queue. A push that
     * sees the bit is behind that head and does not drain either. This keeps readers that come
     * and go in front of a waiting writer off the queue (the common 90:10 case).
     *
     * Linearization points.
     *   - tryAcquire/acquire granted at once: the CAS that adds the hold (NONE: the read of the
     *     state that finds no waiter and no exclusive holder). Failed tryAcquire: that read.
     *   - acquire that queues: the CAS that adds WAITER_UNIT.
     *   - release/withdrawal with no waiter counted, or a release/downgrade that admits nobody
     *     (head-exclusive shortcut): its CAS.
     *   - release/withdrawal that becomes the owner: the owner's publishing CAS, which applies the
     *     release and the grants it enables at once; no thread sees the holder gone and an
     *     admitted waiter still waiting.
     *   - release/withdrawal that finds another owner: its own CAS; the grants it enables are
     *     published by the owner's next CAS, before the owner's call returns. While those calls
     *     race, queueLength() and locked() may show that in-between state; whenever no call is in
     *     flight they are exact.
     *   - grant: the owner's publishing CAS. The future completes after it.
     *
     * Races and how they are closed.
     *   - New request vs. waiters: the fast paths CAS the state expecting a waiter count of 0; a
     *     queued request has raised it by CAS first, so no request can overtake one that queued
     *     before it (fairness, rule 2).
     *   - Push vs. release (lost wake-up): the pusher pushes, then reads the state; the releaser
     *     CASes the state, then (as owner) reads the stack. Both are volatile, so one of them sees
     *     the other: either the owner collects the node, or the pusher sees the holders admit it
     *     and drains itself (or sets RECHECK for the owner).
     *   - Release vs. owner about to let go: the owner's last CAS clears DRAINING only if RECHECK
     *     is clear; a release that came in between set RECHECK, so the owner loops.
     *   - Grant vs. withdrawal: the node's status CAS. If the withdrawal wins, the owner drops the
     *     node. If the grant wins, the withdrawing completion still completes the future, and
     *     deliver() finds it done and releases the handle it would have handed over.
     *   - Claims vs. concurrent changes: between the owner's projection and its publishing CAS,
     *     other threads can only release, withdraw, downgrade or queue (new holders need a waiter
     *     count of 0, and the claimed waiters are still counted), so an admission the owner
     *     decided stays valid; the publishing CAS re-reads the state and only adds deltas.
     *   - Handle released twice, or by two threads: the handle's mode CAS (see LockFreeHandle).
     *
     * Cancellation and cleanup. A withdrawal subtracts WAITER_UNIT and always drains (even with
     * no waiter left), so withdrawn nodes on the stack are dropped when the owner collects them
     * and withdrawn nodes at the head when the owner reaches them. Withdrawn nodes deeper in the
     * queue are swept when they outnumber the live ones (queued > 2 * waiters + SWEEP_SLACK), so
     * the queue holds O(waiters) nodes and a sweep costs O(1) per withdrawal, amortized.
     *
     * Downgrade. The handle is claimed first (mode 0 -> DOWNGRADING, see LockFreeHandle), so
     * its exclusive hold cannot be released under the downgrade; then the change
     * (+SHARED_UNIT - EXCLUSIVE_BIT) goes through the same path as a release: one CAS if nobody
     * waits, else applyAndDrain, which publishes it together with the shared waiters it admits.
     *
     * Watchers. Watches and whenAcquirable futures sit in a copy-on-write array (`watchers`,
     * replaced by CAS; registering and closing are rare, signalling is frequent and must not
     * allocate). After every change that can make a mode acquirable (a release, withdrawal or
     * downgrade, and every drain, whose grants can empty the queue) the thread that made it
     * reads the state and raises the flag of every watcher whose mode is acquirable then; the
     * completions of awaitSet()/whenAcquirable futures go onto the trampoline after the grants.
     * Registration is the mirror of the push race: register, then read the state; the changer
     * writes the state, then reads the array; one of them sees the other.
     *
     * Stack safety. Completing a future runs its continuations; a continuation that releases
     * runs applyAndDrain, which queues its grants on the thread's Trampoline; the trampoline
     * frame further up runs them after that continuation returns. Depth stays constant.
     *
     * Memory ordering per field.
     *   state        volatile; CAS only.
     *   top          volatile; CAS push, getAndSet detach.
     *   watchers     volatile; copy-on-write arrays replaced by CAS.
     *   head, tail, queued   plain; only the owner touches them; each owner's writes are
     *                published to the next owner by the CAS that clears DRAINING_BIT and read
     *                after the CAS that sets it.
     */

    // ---- state word layout ----

    static final long EXCLUSIVE_BIT = 1L;
    static final long DRAINING_BIT = 1L << 1;
    static final long RECHECK_BIT = 1L << 2;
    static final long HEAD_EXCLUSIVE_BIT = 1L << 3;
    static final int COUNT_BITS = 30;
    static final long MAX_COUNT = (1L << COUNT_BITS) - 1;
    static final int SHARED_SHIFT = 4;
    static final long SHARED_UNIT = 1L << SHARED_SHIFT;
    static final long SHARED_MASK = MAX_COUNT << SHARED_SHIFT;
    static final int WAITER_SHIFT = SHARED_SHIFT + COUNT_BITS;
    static final long WAITER_UNIT = 1L << WAITER_SHIFT;
    static final long WAITER_MASK = MAX_COUNT << WAITER_SHIFT;

    /** Withdrawn nodes tolerated in the queue beyond the live ones before a sweep. */
    static final int SWEEP_SLACK = 64;

    static boolean isExclusive(long s) {
        return (s & EXCLUSIVE_BIT) != 0;
    }

    static boolean isDraining(long s) {
        return (s & DRAINING_BIT) != 0;
    }

    static long sharedCount(long s) {
        return (s & SHARED_MASK) >>> SHARED_SHIFT;
    }

    static long waiterCount(long s) {
        return (s & WAITER_MASK) >>> WAITER_SHIFT;
    }

    /** The amount a hold of {@code type} adds to the state word. */
    static long holdUnit(MultiLockType type) {
        return type == EXCLUSIVE ? EXCLUSIVE_BIT : type == SHARED ? SHARED_UNIT : 0L;
    }

    /** Whether the holders of {@code s} let a request of {@code type} in, waiters aside. */
    static boolean admits(long s, MultiLockType type) {
        return !isExclusive(s)
                && (type == NONE
                        || (type == SHARED ? sharedCount(s) < MAX_COUNT : sharedCount(s) == 0));
    }

    /**
     * Whether applying {@code delta} (a release or a downgrade) to {@code s} needs no drain:
     * nobody waits, or the queue is not owned and its head is an exclusive request that the
     * holders still keep out after the change. FIFO grants only from the head, so then the
     * change admits nobody.
     */
    private static boolean admitsNobody(long s, long delta) {
        if ((s & WAITER_MASK) == 0) {
            return true;
        }
        long after = s + delta;
        return (s & (DRAINING_BIT | HEAD_EXCLUSIVE_BIT)) == HEAD_EXCLUSIVE_BIT
                && (isExclusive(after) || sharedCount(after) != 0);
    }

    /** Whether a new request of {@code type} may enter now: nobody waits and the holders admit. */
    private static boolean mayEnter(long s, MultiLockType type) {
        return (s & WAITER_MASK) == 0 && admits(s, type);
    }

    private volatile long state;
    /** Arrivals not yet in the queue, newest first (Treiber stack); null when empty. */
    private volatile @Nullable Node top;
    /** The queue, oldest first; null when empty; owner only. */
    private @Nullable Node head;
    /** Last node of the queue; null when empty; owner only. */
    private @Nullable Node tail;
    /** Nodes in the queue, withdrawn ones included; owner only. */
    private int queued;
    /** Watches and whenAcquirable futures; copy-on-write, replaced by CAS. */
    private volatile Watcher[] watchers = NO_WATCHERS;

    private static final Watcher[] NO_WATCHERS = new Watcher[0];

    LockFreeMultiLock() {}

    /**
     * Creates a lock whose state word starts as {@code initialState} (holds that exist from the
     * start); the caller publishes the lock safely, for example by a concurrent map's insertion.
     */
    LockFreeMultiLock(long initialState) {
        super(false); // created at the rate of new keys: its place in the global order waits
        STATE.set(this, initialState); // published with the lock by the caller
    }

    // ---- acquisition ----

    @Override
    public Optional<Handle> tryAcquire(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        long unit = holdUnit(type);
        for (long s = state; mayEnter(s, type); s = state) {
            if (unit == 0 || weakCasState(s, s + unit)) {
                return Optional.of(new LockFreeHandle(this, type));
            }
        }
        return Optional.empty();
    }

    @Override
    public CompletableFuture<Handle> acquire(MultiLockType type) {
        return acquire0(Objects.requireNonNull(type, "type"), null);
    }

    @Override
    public CompletableFuture<Handle> acquire(MultiLockType type, Executor executor) {
        Objects.requireNonNull(type, "type");
        return acquire0(type, Objects.requireNonNull(executor, "executor"));
    }

    /** The fast path of both overloads: one CAS if the request can enter now. */
    final CompletableFuture<Handle> acquire0(MultiLockType type, @Nullable Executor executor) {
        LockFreeHandle h = tryEnter(type);
        return h != null ? CompletableFuture.completedFuture(h) : acquireSlow(type, executor);
    }

    /** Enters at once if that has become possible, else queues a waiter. */
    private CompletableFuture<Handle> acquireSlow(MultiLockType type, @Nullable Executor executor) {
        Waiter w = new Waiter(this, type, executor);
        LockFreeHandle h = enterOrEnqueue(w);
        return h != null ? CompletableFuture.completedFuture(h) : w;
    }

    // ---- waiting on a thread ----

    /** Enters at once if the lock admits the request (one CAS), else queues a thread waiter. */
    @Override
    protected final @Nullable Handle awaitOnThread(MultiLockType type, boolean interruptible,
            long nanos) throws InterruptedException {
        LockFreeHandle h = tryEnter(type);
        if (h != null) {
            return h;
        }
        boolean timed = nanos != Long.MAX_VALUE;
        return awaitSlow(type, interruptible, timed, timed ? System.nanoTime() + nanos : 0L);
    }

    /** The fast path of the waiting methods: one CAS, no allocation but the handle. */
    final @Nullable LockFreeHandle tryEnter(MultiLockType type) {
        long s = state;
        if (mayEnter(s, type) && (type == NONE || casState(s, s + holdUnit(type)))) {
            return new LockFreeHandle(this, type);
        }
        return null;
    }

    /** Enters at once if that has become possible, else queues a thread waiter and waits. */
    final @Nullable LockFreeHandle awaitSlow(MultiLockType type, boolean interruptible,
            boolean timed, long deadline) throws InterruptedException {
        ThreadWaiter w = new ThreadWaiter(this, type);
        LockFreeHandle h = enterOrEnqueue(w);
        return h != null ? h : w.await(interruptible, timed, deadline);
    }

    /**
     * Enters at once if the request can (returning its handle), else counts {@code w} as
     * waiting, pushes it and makes sure that somebody looks at it (returning null).
     *
     * @throws IllegalStateException at the limit of waiters; nothing changes then
     */
    private @Nullable LockFreeHandle enterOrEnqueue(Node w) {
        MultiLockType type = w.type();
        long unit = holdUnit(type);
        for (long s = state; ; s = state) {
            if (mayEnter(s, type)) {
                if (unit == 0 || weakCasState(s, s + unit)) {
                    return new LockFreeHandle(this, type);
                }
            } else if (waiterCount(s) == MAX_COUNT) {
                throw new IllegalStateException("Too many waiters on " + this);
            } else if (weakCasState(s, s + WAITER_UNIT)) {
                w.queued(waiterCount(s)); // before the push publishes w
                break; // queued: from here on no new request overtakes w
            }
        }
        push(w);
        // w may already be admitted (its holder left before the push): make sure somebody looks.
        for (long s = state; ; s = state) {
            if (isDraining(s)) {
                if ((s & RECHECK_BIT) != 0 || weakCasState(s, s | RECHECK_BIT)) {
                    break; // the owner has yet to look again, and will see w
                }
            } else if ((s & HEAD_EXCLUSIVE_BIT) != 0 || !admits(s, type)) {
                // w is behind a head the holders keep out, or is kept out itself: the release,
                // withdrawal or downgrade that changes that will drain
                break;
            } else if (weakCasState(s, s | DRAINING_BIT)) {
                drain(0L);
                break;
            }
        }
        return null;
    }

    private void push(Node w) {
        Node t;
        do {
            t = top;
            w.setNext(t); // published by CAS on top
        } while (!weakCasTop(t, w));
    }

    // ---- release ----

    @Override
    public boolean release(Handle handle) {
        LockFreeHandle h = own(handle);
        int mode = h.markReleased();
        if ((mode & LockFreeHandle.RELEASED) != 0) {
            return false;
        }
        if ((mode & (LockFreeHandle.DOWNGRADING | LockFreeHandle.DOWNGRADED))
                == LockFreeHandle.DOWNGRADING) {
            return true; // the downgrade in flight releases the shared hold it is making
        }
        endHold((mode & LockFreeHandle.DOWNGRADED) != 0 ? SHARED_UNIT : holdUnit(h.granted));
        return true;
    }

    /**
     * Ends a hold whose release this thread owns ({@link #holdUnit}; 0 for NONE). The state of a
     * key ({@link KeyedLock}) also gives back the use the hold counted.
     */
    void endHold(long unit) {
        releaseHold(unit);
    }

    /**
     * Subtracts a hold ({@link #holdUnit}; 0 for NONE), lets in the waiters that admits and
     * signals the watchers.
     */
    final void releaseHold(long unit) {
        long s = state;
        if (unit == 0 || (admitsNobody(s, -unit) && casState(s, s - unit))) {
            if (watchers.length != 0) {
                signalWatchers(null);
            }
        } else {
            applyAndDrain(-unit, false);
        }
    }

    /**
     * Called by a waiter that has turned itself WITHDRAWN: uncounts it and drains; then, for the
     * state of a key, gives back the use the waiter counted.
     */
    final void withdraw() {
        applyAndDrain(-WAITER_UNIT, true);
        unpin();
    }

    /**
     * Turns the exclusive hold of {@code h} into a shared one and lets in the waiters that can
     * now share (see LockFreeHandle for the mode protocol).
     */
    boolean downgrade(LockFreeHandle h) {
        if (h.granted != EXCLUSIVE || !h.casMode(0, LockFreeHandle.DOWNGRADING)) {
            return false;
        }
        // h is claimed: nobody else subtracts its exclusive hold until DOWNGRADED is set
        applyAndDrain(SHARED_UNIT - EXCLUSIVE_BIT, false);
        if (!h.casMode(LockFreeHandle.DOWNGRADING,
                LockFreeHandle.DOWNGRADING | LockFreeHandle.DOWNGRADED)) {
            endHold(SHARED_UNIT); // released meanwhile: that release left the shared hold to us
        }
        return true;
    }

    // ---- watching ----

    @Override
    public boolean isAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        return mayEnter(state, type);
    }

    @Override
    public Watch watch(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        LockFreeWatch w = new LockFreeWatch(this, type);
        register(w);
        if (mayEnter(state, type)) {
            w.raiseAtCreation();
        }
        return w;
    }

    @Override
    public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        if (mayEnter(state, type)) {
            unpin(); // nothing registered: a key's state gives back the use its caller counted
            return CompletableFuture.completedFuture(null);
        }
        AcquirableFuture f = new AcquirableFuture(this, type);
        register(f);
        // cancelled or timed out: leave nothing (unregister throws nothing, so the stage that
        // whenComplete returns carries nothing to check)
        var unused = f.whenComplete((v, failure) -> unregister(f));
        if (mayEnter(state, type)) { // acquirable since the first look: a signal may have missed f
            Trampoline t = Trampoline.current();
            f.signal(t);
            t.runIfIdle();
        }
        return f;
    }

    private void register(Watcher w) {
        for (;;) {
            Watcher[] ws = watchers;
            Watcher[] grown = Arrays.copyOf(ws, ws.length + 1);
            grown[ws.length] = w;
            if (WATCHERS.weakCompareAndSet(this, ws, grown)) {
                return;
            }
        }
    }

    /**
     * Removes {@code w}; returns whether this call removed it. The call that removes it also gives
     * back the use that a key's state counted for it.
     */
    final boolean unregister(Watcher w) {
        for (;;) {
            Watcher[] ws = watchers;
            int i = 0;
            while (i < ws.length && ws[i] != w) {
                i++;
            }
            if (i == ws.length) {
                return false;
            }
            Watcher[] shrunk = ws.length == 1 ? NO_WATCHERS : new Watcher[ws.length - 1];
            System.arraycopy(ws, 0, shrunk, 0, i);
            System.arraycopy(ws, i + 1, shrunk, i, ws.length - i - 1);
            if (WATCHERS.weakCompareAndSet(this, ws, shrunk)) {
                unpin();
                return true;
            }
        }
    }

    /**
     * Signals every watcher whose mode is acquirable in the current state. Their user-facing
     * completions go onto {@code t}, if given (the caller runs it), else onto this thread's
     * trampoline, which runs them now unless a frame further up does.
     */
    private void signalWatchers(@Nullable Trampoline t) {
        long s = state;
        Trampoline target = t != null ? t : Trampoline.current();
        for (Watcher w : watchers) {
            if (mayEnter(s, w.type())) {
                w.signal(target);
            }
        }
        if (t == null) {
            target.runIfIdle();
        }
    }

    private LockFreeHandle own(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handle instanceof LockFreeHandle h && h.lock == this) {
            return h;
        }
        throw new IllegalArgumentException(handle + " is not a handle of " + this);
    }

    // ---- the queue ----

    /**
     * Applies {@code delta} to the state and grants what it admits: as the queue's owner if the
     * queue is free, else by leaving the change and a RECHECK_BIT to the owner.
     *
     * @param delta the change to the holders or the waiter count
     * @param always drain even if no waiter is counted (a withdrawal, to drop its node)
     */
    private void applyAndDrain(long delta, boolean always) {
        for (long s = state; ; s = state) {
            if (isDraining(s)) {
                if (weakCasState(s, (s + delta) | RECHECK_BIT)) {
                    break; // the owner looks again, and signals after its grants
                }
            } else if (!always && admitsNobody(s, delta)) {
                if (weakCasState(s, s + delta)) {
                    break;
                }
            } else if (weakCasState(s, s | DRAINING_BIT)) {
                drain(delta);
                return;
            }
        }
        if (watchers.length != 0) {
            signalWatchers(null);
        }
    }

    /**
     * Grants, as the owner of the queue, every waiter the holders admit from the head on; then
     * lets go of the queue and completes the granted futures. Called with DRAINING_BIT set by
     * this thread.
     *
     * @param pending a change to the state not yet applied, published with the first grants
     */
    private void drain(long pending) {
        Node grantedFirst = null;
        Node grantedLast = null;
        for (;;) {
            collectArrivals();
            long projected = state + pending;
            long granted = 0L;
            for (Node w; (w = head) != null; ) {
                if (w.status() == Node.WAITING && !admits(projected + granted, w.type())) {
                    break;
                }
                dequeueHead(w);
                if (w.claim()) {
                    granted += holdUnit(w.type()) - WAITER_UNIT;
                    if (grantedLast == null) {
                        grantedFirst = w;
                    } else {
                        grantedLast.setNext(w); // owner-only list
                    }
                    grantedLast = w;
                }
            }
            if (queued > 2 * waiterCount(projected + granted) + SWEEP_SLACK) {
                sweep();
            }
            Node first = head; // WAITING and kept out when checked, or null
            long headBit = first != null && first.type() == EXCLUSIVE ? HEAD_EXCLUSIVE_BIT : 0L;
            long s;
            long next;
            do {
                s = state;
                next = ((s + pending + granted) & ~HEAD_EXCLUSIVE_BIT) | headBit;
                next &= (s & RECHECK_BIT) != 0 ? ~RECHECK_BIT : ~DRAINING_BIT;
            } while (!weakCasState(s, next));
            if ((s & RECHECK_BIT) == 0) {
                break;
            }
            pending = 0L;
        }
        Trampoline t = null;
        for (Node w = grantedFirst; w != null; ) {
            Node next = w.next();
            w.setNext(null);
            if (w instanceof ThreadWaiter thread) {
                // runs no user code (it hands over and unparks), so it need not wait for the
                // trampoline: a thread that drains and grants itself inside a continuation
                // (lock() called there) would otherwise park behind its own delivery
                thread.deliver();
            } else {
                if (t == null) {
                    t = Trampoline.current();
                }
                t.add(w);
            }
            w = next;
        }
        if (watchers.length != 0) {
            if (t == null) {
                t = Trampoline.current();
            }
            signalWatchers(t);
        }
        if (t != null) {
            t.runIfIdle(); // grants first, in order, then the watchers they did not disturb
        }
    }

    /** Moves the arrival stack to the end of the queue, oldest first, dropping withdrawn nodes. */
    private void collectArrivals() {
        if (top == null) {
            return;
        }
        Node w = (Node) TOP.getAndSet(this, (Node) null);
        Node first = null;
        Node last = null;
        int n = 0;
        while (w != null) {
            Node older = w.next();
            if (w.status() == Node.WITHDRAWN) {
                w.setNext(null);
            } else {
                w.setNext(first); // reversing: owner only
                first = w;
                if (last == null) {
                    last = w;
                }
                n++;
            }
            w = older;
        }
        if (first != null) {
            if (tail == null) {
                head = first;
            } else {
                tail.setNext(first);
            }
            tail = last;
            queued += n;
        }
    }

    /** Unlinks {@code h}, the head of the queue. */
    private void dequeueHead(Node h) {
        head = h.next();
        if (head == null) {
            tail = null;
        }
        h.setNext(null);
        queued--;
    }

    /** Unlinks every withdrawn node from the queue. */
    private void sweep() {
        Node kept = null;
        int n = 0;
        for (Node w = head; w != null; ) {
            Node next = w.next();
            if (w.status() == Node.WITHDRAWN) {
                w.setNext(null);
                if (kept == null) {
                    head = next;
                } else {
                    kept.setNext(next);
                }
            } else {
                kept = w;
                n++;
            }
            w = next;
        }
        tail = kept;
        queued = n;
    }

    // ---- inspection ----

    @Override
    public MultiLockType locked() {
        long s = state;
        return isExclusive(s) ? EXCLUSIVE : sharedCount(s) != 0 ? SHARED : NONE;
    }

    @Override
    public int queueLength() {
        return (int) waiterCount(state);
    }

    /**
     * The lock as users see it, for {@link LockFreeHandle#lock()}: this lock, or for the state of
     * a key the lock of that key.
     */
    MultiLock publicLock() {
        return this;
    }

    /** The lock as the {@code dev.multilock.Wait} event names it. */
    String eventName() {
        return name();
    }

    /** How {@link #toString()} begins: {@code MultiLock@} and the identity hash code in hex. */
    String name() {
        return "MultiLock@" + Integer.toHexString(System.identityHashCode(this));
    }

    @Override
    public String toString() {
        long s = state;
        return name() + "[" + locked() + ", holders=" + (isExclusive(s) ? 1 : sharedCount(s))
                + ", queued=" + waiterCount(s) + ", watchers=" + watchers.length + "]";
    }

    // ---- CAS helpers ----

    private boolean casState(long expected, long update) {
        return STATE.compareAndSet(this, expected, update);
    }

    /** For retry loops only: may fail spuriously. */
    private boolean weakCasState(long expected, long update) {
        return STATE.weakCompareAndSet(this, expected, update);
    }

    /** For retry loops only: may fail spuriously. */
    private boolean weakCasTop(@Nullable Node expected, Node update) {
        return TOP.weakCompareAndSet(this, expected, update);
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle TOP;
    private static final VarHandle WATCHERS;
    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(LockFreeMultiLock.class, "state", long.class);
            TOP = l.findVarHandle(LockFreeMultiLock.class, "top", Node.class);
            WATCHERS = l.findVarHandle(LockFreeMultiLock.class, "watchers", Watcher[].class);
            // The classes that waiting, granting and releasing use are loaded and initialized
            // here, on the thread that creates the first lock, not by the first requests that
            // need them: a virtual thread that finds another loading or initializing a class it
            // needs waits pinned to its carrier (JDK 21 to 25), so 10,000 virtual threads
            // queueing at once pinned a carrier in the first run on a fresh JVM.
            l.ensureInitialized(LockFreeHandle.class);
            l.ensureInitialized(Trampoline.class);
            ThreadWaiter.prepare();
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
