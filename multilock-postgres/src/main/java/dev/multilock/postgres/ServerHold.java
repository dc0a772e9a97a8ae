package dev.multilock.postgres;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * This process's hold of one advisory key on the server (API.md, P2): at most one server lock
 * per key, shared by every local holder it covers, acquired when a local request needs it and
 * released when none does.
 *
 * <p>A request of this process first takes the key's local lock (the lock-free keyed lock, in
 * strict arrival order, see {@link PgRequest}); then it asks this hold to <i>cover</i> it: to
 * hold the key on the server in a mode at least its own (EXCLUSIVE covers everything, SHARED
 * covers SHARED and NONE). A covered request is granted at once, without a round trip; so an
 * EXCLUSIVE hold is handed on inside the process, and SHARED holders share one server lock.
 */
final class ServerHold {
    /*
     * Implementation notes.
     *
     * Everything below "serial section" is changed only by tasks of `serial`, a lock-free serial
     * executor that runs one task at a time on whichever thread submits when it is idle (no
     * thread ever waits for it). JDBC never runs in a task: statements go to a Session, and their
     * outcome comes back as a new task. User futures are never completed in a task either: a
     * task hands them to Deliveries, which runs them after the serial section (on a user's
     * thread) or on the executor (on a session's thread).
     *
     * Phases of the server lock:
     *
     *   IDLE ──startAcquire──> ACQUIRING ──(try or wait granted, token read)──> HELD
     *    ^                        │ refused try: a dedicated session waits in the queue
     *    │                        │ failure, or cancelled wait nobody needs any more
     *    ├────────────────────────┘
     *    └──released()── RELEASING <──startRelease── HELD (no holder; nothing needs it, or
     *                                                closing, or a mode it does not cover)
     *   any ──sessionLost── IDLE (every handle it covered is lost)
     *
     * Covering. In HELD, a pending request is granted iff the hold is not closing and its mode
     * covers the request's (effective mode: SHARED while a downgrade is in flight). The server
     * lock is released once no covered handle is left and either nothing in this process needs
     * the key (no pending request, no request still in the local queue: `demand`), the hold is
     * closing, or the next request needs a mode the hold does not cover (an EXCLUSIVE request
     * behind a SHARED hold: the server cannot upgrade, so release, then queue again).
     *
     * Fairness across processes (P2). A session about to wait for a key announces it
     * (NOTIFY on WAITING_CHANNEL); the heartbeat also finds waiters in pg_locks. A hold that
     * hears of one is `contended`: from then on it grants at most handOffLimit more holds and
     * only until handOffWindow has passed, then `closing` stops granting; once its holders are
     * gone it releases, and the requests left queue again on the server, behind the waiter.
     *
     * Cancellation (P4). A request withdrawn while local waits is the local lock's business; one
     * withdrawn while it waits for cover is dropped from `pending`, and its local hold released.
     * A server wait that nothing needs any more is cancelled (Statement.cancel); whatever the
     * wait ends with, the dedicated session is cleared by pg_advisory_unlock_all before it is
     * given back, which also releases a grant that raced the cancel. A grant that arrives when
     * nothing needs it any more is released at once.
     *
     * Fencing (P6). On taking the key EXCLUSIVE, the hold reserves a block of TOKEN_BLOCK tokens
     * on the server (under the lock, so no other process can reserve at the same time) and
     * hands them out to its EXCLUSIVE grants in order, reserving again if a block runs out. A
     * SHARED or NONE grant carries the last EXCLUSIVE token before it: under a SHARED server
     * lock, the highest token reserved so far; under an EXCLUSIVE one, the last token handed out
     * (or the one before the block). The next reservation anywhere starts above every token of
     * every block reserved before, so tokens of a key only increase.
     *
     * Uses. Like the state of a keyed lock, a hold counts its uses (a request from its creation
     * until granted or withdrawn, a covered handle until released or lost, a watch until closed,
     * and the hold itself while not IDLE) and leaves its owner's map with the last one (DEAD is
     * final; see PostgresMultiLocks.pinHold).
     *
     * Generations. Each acquisition starts a new `generation`; outcomes of statements carry the
     * generation they were sent in, and an outcome of an older one (a release after the session
     * was lost, say) changes nothing.
     */

    enum Phase {
        IDLE,
        ACQUIRING,
        HELD,
        RELEASING
    }

    /** Tokens reserved per reservation; see the notes. */
    static final long TOKEN_BLOCK = 1L << 16;
    private static final int DEAD = -1;

    final PostgresMultiLocks owner;
    final long key;
    private final SerialExecutor serial = new SerialExecutor(null);
    @SuppressWarnings("unused") // accessed through USES
    private volatile int uses;
    /** Requests of this process for this key, not yet granted, withdrawn or failed. */
    final AtomicInteger demand = new AtomicInteger();

    // ---- serial section ----
    private Phase phase = Phase.IDLE;
    /** The server mode held or being acquired (SHARED or EXCLUSIVE); NONE while IDLE. */
    private MultiLockType mode = NONE;
    private @Nullable Session session;
    private int generation;
    private final ArrayDeque<PgRequest> pending = new ArrayDeque<>();
    /** tryAcquire calls waiting for the outcome of the try they started. */
    private final List<TryCover> tries = new ArrayList<>();
    /**
     * The covered handles. Changed only in the serial section, but a concurrent set, so that
     * {@link #lockedBy} can read it from any thread (weakly consistent).
     */
    private final Set<PgHandle> handles = ConcurrentHashMap.newKeySet();
    /**
     * Requests of this process for this key not yet granted, withdrawn or failed, so that
     * {@link #close} can fail those still in the local queue. Compared by identity, as a
     * future's equals is.
     */
    @SuppressWarnings("CollectionUndefinedEquality")
    final Set<PgRequest> live = ConcurrentHashMap.newKeySet();
    private int exclusiveHolds;
    private int sharedHolds;
    private long nextToken;
    private long tokenCeiling;
    private long lastExclusive;
    private boolean reserving;
    private boolean downgrading;
    private boolean contended;
    /** The last release was the hand-off bound's: the next acquisition queues (no try). */
    private boolean yieldNext;
    /** A watch event came while the key was being taken or let go; looked at afterwards. */
    private boolean deferredEvent;
    /** Closed with its owner: nothing is acquired any more. */
    private boolean closed;
    private @Nullable PostgresLockException closedCause;
    /** ACQUIRING on a dedicated session in the server's queue, past the try. */
    private boolean waitStage;
    /** Attempts of the current acquisition's try, for a retry after a lost session. */
    private int attempts;
    /** A waiter was announced, or seen, while this process waited for the key itself. */
    private boolean heardWaiter;
    private boolean closing;
    private int handOffs;
    /** The dedicated session waiting in the server's queue for this key; else null. */
    private @Nullable Session waitingOn;
    private final List<PgWatch> watches = new ArrayList<>();

    ServerHold(PostgresMultiLocks owner, long key) {
        this.owner = owner;
        this.key = key;
        USES.set(this, 1); // the creator's use; published by the map's insertion
    }

    /** A tryAcquire waiting for the outcome of the try it started. */
    private record TryCover(PgLock lock, Handle local, MultiLockType type,
            CompletableFuture<@Nullable PgHandle> result) {}

    // ---- uses ----

    /** Adds a use unless the hold is dead; see the notes. */
    boolean tryPin() {
        for (;;) {
            int u = (int) USES.getVolatile(this);
            if (u == DEAD) {
                return false;
            }
            if (u == Integer.MAX_VALUE) {
                throw new IllegalStateException("Too many uses of advisory key " + key);
            }
            if (USES.weakCompareAndSet(this, u, u + 1)) {
                return true;
            }
        }
    }

    /** Gives back a use; the last one drops the hold from its owner. */
    void unpin() {
        for (;;) {
            int u = (int) USES.getVolatile(this);
            if (u == 1) {
                if (USES.weakCompareAndSet(this, 1, DEAD)) {
                    owner.drop(this);
                    return;
                }
            } else if (USES.weakCompareAndSet(this, u, u - 1)) {
                return;
            }
        }
    }

    boolean isDead() {
        return (int) USES.getVolatile(this) == DEAD;
    }

    // ---- entry points: each runs as one task of the serial section ----

    /**
     * Runs {@code task} in the serial section, holding this thread's deliveries until it is done
     * (see {@link Deliveries}).
     */
    void submit(Runnable task) {
        boolean opened = Deliveries.open();
        try {
            serial.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    owner.report(this, e);
                }
            });
        } finally {
            Deliveries.close(opened);
        }
    }

    /** A request granted its local lock asks for cover. */
    void request(PgRequest r) {
        submit(() -> {
            if (r.isWithdrawn()) {
                settle(r); // withdrawn before this task ran; its withdraw task found nothing
                return;
            }
            pending.add(r);
            advance();
        });
    }

    /** How many covered handles of {@code lock}'s key are held now; for toString. */
    int holdersOf(PgLock lock) {
        int n = 0;
        for (PgHandle h : handles) {
            if (h.lock.equals(lock) && h.isHeld()) {
                n++;
            }
        }
        return n;
    }

    /** Whether a handle of {@code lock}'s key is covered now; see {@link PgLock#locked()}. */
    MultiLockType lockedBy(PgLock lock) {
        MultiLockType max = NONE;
        for (PgHandle h : handles) {
            if (h.lock.equals(lock) && h.isHeld()) {
                max = MultiLockType.max(max, h.type());
            }
        }
        return max;
    }

    /** A request withdrawn while it waited for cover. */
    void withdraw(PgRequest r) {
        submit(() -> {
            if (!r.settled && pending.remove(r)) {
                settle(r);
            }
            advance();
        });
    }

    /** Something outside (a withdrawal in the local queue) may have ended the need for the key. */
    void recheck() {
        submit(this::advance);
    }

    /** A covered handle was released. */
    void released(PgHandle h) {
        submit(() -> {
            if (handles.remove(h)) {
                count(h.countedMode, -1);
                unpin();
            }
            advance();
        });
    }

    /** A covered EXCLUSIVE handle was downgraded. */
    void downgraded(PgHandle h) {
        submit(() -> {
            if (!handles.contains(h) || h.countedMode != EXCLUSIVE) {
                return;
            }
            count(EXCLUSIVE, -1);
            count(SHARED, +1);
            h.countedMode = SHARED;
            if (phase == Phase.HELD && mode == EXCLUSIVE && exclusiveHolds == 0 && !downgrading) {
                // let the other processes' readers in too: SHARED beside EXCLUSIVE, then drop it
                downgrading = true;
                Session s = sessionOrThrow();
                int g = generation;
                var unused = s.run(c -> {
                    Sql.downgrade(c, key);
                    return Boolean.TRUE;
                }).whenComplete((v, failure) -> submit(() -> {
                    if (g != generation) {
                        return;
                    }
                    downgrading = false;
                    if (failure == null) {
                        mode = SHARED;
                    }
                    decideTries();
                    advance();
                }));
            }
            advance();
        });
    }

    /**
     * A tryAcquire whose local lock is taken: decided by the hold if it covers, else by one try
     * on the server if the hold is idle, else refused.
     */
    void tryCover(PgLock lock, Handle local, MultiLockType type,
            CompletableFuture<@Nullable PgHandle> result) {
        submit(() -> {
            if (closed) {
                result.complete(null);
                return;
            }
            if (phase == Phase.HELD && grantable(type)) {
                result.complete(grant(lock, local, type));
                return;
            }
            boolean joinable = phase == Phase.IDLE || phase == Phase.RELEASING
                    || (phase == Phase.HELD && downgrading)
                    || (phase == Phase.ACQUIRING && !waitStage
                            && (mode == EXCLUSIVE || type != EXCLUSIVE));
            if (pending.isEmpty() && joinable) {
                // decided by the try in flight, or by one after the release in flight (P8)
                tries.add(new TryCover(lock, local, type, result));
                if (phase == Phase.IDLE) {
                    startAcquire(Sql.serverMode(type));
                }
                return;
            }
            result.complete(null);
        });
    }

    /**
     * Another process waits for the key (a notification, or the heartbeat's look). Heard while
     * this process still waits for the key itself, it counts from the grant on: the waiter may be
     * queued behind this one (P2 applies from the first hold); if it was ahead, it has had the
     * key already, and the early close only costs a round trip.
     */
    void contended() {
        submit(() -> {
            if (phase == Phase.ACQUIRING) {
                heardWaiter = true;
            } else if (phase == Phase.HELD) {
                startContention();
            }
        });
    }

    /** From now on at most handOffLimit more holds, for at most handOffWindow (P2). */
    private void startContention() {
        if (contended) {
            return;
        }
        contended = true;
        handOffs = 0;
        int g = generation;
        var unused = owner.db.schedule(() -> submit(() -> {
            if (g == generation && phase == Phase.HELD && contended) {
                closing = true;
                advance();
            }
        }), owner.config.handOffWindow().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The session the server lock lives on, or the one waiting for it, died. */
    void sessionLost(Session s, Throwable cause) {
        submit(() -> {
            if (session != s || phase == Phase.IDLE) {
                return; // a wait on s fails by itself: see waited()
            }
            s.holds.remove(this);
            loseHandles(cause);
            toIdle();
            advance();
        });
    }

    /**
     * The owner is closing: every handle is lost, every pending request fails (those still in the
     * local queue too), and the hold acquires nothing any more. The owner's sessions are closed
     * after this (with pg_advisory_unlock_all), which lets go of the server lock.
     */
    void close(PostgresLockException cause) {
        submit(() -> {
            closed = true;
            closedCause = cause;
            failPending(cause);
            for (PgRequest r : live) {
                r.failLocal(cause, owner.executor());
            }
            for (TryCover t : tries) {
                t.result().complete(null);
            }
            tries.clear();
            loseHandles(cause);
            Session w = waitingOn;
            if (w != null) {
                w.cancelWait();
            }
            for (PgWatch watch : new ArrayList<>(watches)) {
                watch.close();
            }
            Session s = session;
            if (s != null) {
                s.holds.remove(this);
            }
            if (phase != Phase.IDLE) {
                toIdle();
            }
        });
    }

    // ---- watches (P7) ----

    void addWatch(PgWatch w) {
        submit(() -> {
            watches.add(w);
            evaluate(w, true);
        });
    }

    void removeWatch(PgWatch w) {
        submit(() -> {
            if (watches.remove(w)) {
                unpin();
            }
        });
    }

    /**
     * A change that may have made the key acquirable: a release in another process
     * (notification), the heartbeat's poll, or a local event of a watch.
     */
    void reevaluate(boolean event) {
        submit(() -> {
            for (PgWatch w : watches) {
                evaluate(w, event);
            }
        });
    }

    /** Re-evaluates one watch after an event of its local lock. */
    void reevaluate(PgWatch w) {
        submit(() -> {
            if (watches.contains(w)) {
                evaluate(w, true);
            }
        });
    }

    /** Whether the hold alone says that a request of {@code type} could be covered now. */
    boolean coversNow(MultiLockType type) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        submit(() -> answer.complete(phase == Phase.HELD && grantable(type)));
        return answer.join();
    }

    /**
     * Sets {@code w} if its mode is acquirable: at once if this hold covers it; else after a
     * look at pg_locks for other sessions that keep it out.
     */
    private void evaluate(PgWatch w, boolean event) {
        if (!w.locallyAcquirable()) {
            return;
        }
        if (phase == Phase.HELD && grantable(w.type())) {
            w.serverFree(true, event);
            return;
        }
        if (phase != Phase.IDLE) {
            // this process is taking or letting go of the key: look again when it is done
            deferredEvent |= event;
            return;
        }
        int[] ours = owner.db.ourPids();
        var unused = owner.db.shared()
                .thenCompose(s -> s.run(c -> Sql.othersKeepOut(c, key, w.type(), ours)))
                .whenComplete((keptOut, failure) -> {
                    if (failure == null) {
                        submit(() -> {
                            if (watches.contains(w) && phase == Phase.IDLE
                                    && w.locallyAcquirable()) {
                                w.serverFree(!keptOut, event);
                            }
                        });
                    }
                });
    }

    // ---- the state machine ----

    /** Grants what the hold covers, and starts or ends server work as needed. */
    private void advance() {
        if (closed) {
            failPending(closedCauseOrNew());
            return;
        }
        switch (phase) {
            case HELD -> {
                while (!pending.isEmpty() && grantable(pending.peek().type)) {
                    PgRequest r = pending.poll();
                    if (r.claim()) {
                        Handle local = r.localHandle();
                        PgHandle h = grant(r.lock, local, r.type);
                        r.settled = true;
                        endRequest();
                        forget(r);
                        r.deliver(h, owner.executor());
                    } else {
                        settle(r); // withdrawn as we granted: its withdraw task finds it settled
                    }
                }
                if (exclusiveHolds + sharedHolds > 0 || downgrading || reserving) {
                    return;
                }
                PgRequest next = pending.peek();
                if (next != null && !closing && needsTokens(next.type)) {
                    reserveTokens();
                } else if (closing || next != null || demand.get() == 0) {
                    startRelease(); // closing, or a mode not covered, or nothing needs the key
                }
            }
            case IDLE -> {
                MultiLockType m = NONE;
                for (PgRequest r : pending) {
                    m = MultiLockType.max(m, Sql.serverMode(r.type));
                }
                for (TryCover t : tries) {
                    m = MultiLockType.max(m, Sql.serverMode(t.type()));
                }
                if (m != NONE) {
                    startAcquire(m);
                }
            }
            case ACQUIRING -> {
                Session w = waitingOn;
                if (w != null && pending.isEmpty() && demand.get() == 0) {
                    cancelWait(w);
                }
            }
            case RELEASING -> {
                // released() advances again
            }
        }
    }

    /** Whether a request of {@code type} can be granted under the hold now (phase HELD). */
    private boolean grantable(MultiLockType type) {
        MultiLockType effective = downgrading ? SHARED : mode;
        return !closing && (effective == EXCLUSIVE || type != EXCLUSIVE) && !needsTokens(type);
    }

    /** Whether an EXCLUSIVE grant under this EXCLUSIVE hold must first reserve more tokens. */
    private boolean needsTokens(MultiLockType type) {
        return type == EXCLUSIVE && mode == EXCLUSIVE && !downgrading && nextToken > tokenCeiling;
    }

    /**
     * Cancels the wait on {@code w}, which nothing needs any more (P4), and again every 100 ms
     * while it goes on: a cancel that reaches the server before the statement is dropped.
     */
    private void cancelWait(Session w) {
        w.cancelWait();
        var unused = owner.db.schedule(() -> submit(() -> {
            if (waitingOn == w && pending.isEmpty() && demand.get() == 0) {
                cancelWait(w);
            }
        }), 100, TimeUnit.MILLISECONDS);
    }

    private PostgresLockException closedCauseOrNew() {
        PostgresLockException c = closedCause;
        return c != null ? c : new PostgresLockException("PostgresMultiLocks closed");
    }

    /** Makes the handle of a covered grant; the request's use passes to the handle. */
    private PgHandle grant(PgLock lock, Handle local, MultiLockType type) {
        long token;
        if (type == EXCLUSIVE) {
            token = nextToken++;
            lastExclusive = token;
        } else {
            token = lastExclusive;
        }
        PgHandle h = new PgHandle(lock, local, this, type, token);
        if (type == NONE) {
            unpin(); // a NONE grant holds nothing here (P1)
        } else {
            handles.add(h);
            count(type, +1);
            if (contended && ++handOffs >= owner.config.handOffLimit()) {
                closing = true;
            }
        }
        return h;
    }

    private void count(MultiLockType type, int delta) {
        if (type == EXCLUSIVE) {
            exclusiveHolds += delta;
        } else if (type == SHARED) {
            sharedHolds += delta;
        }
    }

    /** A request that will not be granted: gives back its local hold, its demand and its use. */
    private void settle(PgRequest r) {
        if (r.settled) {
            return;
        }
        r.settled = true;
        Handle local = r.localHandle();
        local.release();
        endRequest();
        forget(r);
        unpin();
    }

    private void endRequest() {
        demand.decrementAndGet();
    }

    /** A request ends (granted, withdrawn or failed): it need not be failed at close. */
    @SuppressWarnings("CollectionUndefinedEquality") // identity, as a future's equals is
    void forget(PgRequest r) {
        live.remove(r);
    }

    private void startAcquire(MultiLockType m) {
        phase = Phase.ACQUIRING;
        mode = m;
        tryPin(); // the busy use; the hold is alive (a request or try holds a use)
        attempts = 0;
        if (yieldNext) {
            // this process let go because another waited (P2): queue behind it rather than
            // take the key back with a try before it has queued
            yieldNext = false;
            startWait(++generation);
            return;
        }
        tryOnShared(m);
    }

    /** Asks for the key with a try on the shared session; see {@link #tried}. */
    private void tryOnShared(MultiLockType m) {
        attempts++;
        int g = ++generation;
        var unused = owner.db.shared()
                .thenCompose(s -> s.<@Nullable Session>run(c -> {
                    if (Sql.tryLock(c, key, m)) {
                        return s;
                    }
                    // refused: tell the holder now, not once a dedicated session is open and
                    // queued, so that its hand-off bound (P2) starts at once
                    Sql.announceWait(c, key);
                    return null;
                }))
                .whenComplete((s, failure) -> submit(() -> tried(g, s, failure)));
    }

    private void tried(int g, @Nullable Session s, @Nullable Throwable failure) {
        if (g != generation) {
            return;
        }
        if (failure != null) {
            if (Sql.isSessionLoss(cause(failure)) && attempts < 3) {
                tryOnShared(mode); // the shared session died unnoticed: nothing of ours was on it
            } else {
                acquisitionFailed(failure);
            }
            return;
        }
        if (s != null) {
            acquired(g, s, false); // the try refuses while anybody waits: nobody does
            return;
        }
        for (TryCover t : tries) {
            t.result().complete(null); // refused: somebody holds the key or waits for it (P8)
        }
        tries.clear();
        if (pending.isEmpty() && demand.get() == 0) {
            toIdle();
            return;
        }
        startWait(g);
    }

    /** Waits in the server's queue on a dedicated session (refused try: contention). */
    private void startWait(int g) {
        waitStage = true;
        var unused = owner.db.openDedicated().whenComplete((s, failure) -> submit(() -> {
            if (failure != null) {
                if (g == generation) {
                    acquisitionFailed(failure);
                }
                return;
            }
            if (g != generation || (pending.isEmpty() && demand.get() == 0)) {
                owner.db.giveBack(s); // no longer needed
                if (g == generation) {
                    toIdle();
                    advance();
                }
                return;
            }
            waitingOn = s;
            MultiLockType m = mode;
            var unusedToo = s.run(c -> {
                Sql.announceWait(c, key);
                try (var statement = Sql.prepareLock(c, key, m)) {
                    s.executeWaiting(statement);
                }
                return s;
            }).whenComplete((held, waitFailure) -> submit(() -> waited(g, s, waitFailure)));
        }));
    }

    private void waited(int g, Session s, @Nullable Throwable failure) {
        waitingOn = null;
        if (failure != null) {
            owner.db.giveBack(s); // pg_advisory_unlock_all first: a grant may have raced a cancel
            if (g != generation) {
                return;
            }
            if (cause(failure) instanceof SQLException e && Sql.isCancelled(e)) {
                toIdle(); // we cancelled it: nothing needed it
                advance();
            } else {
                acquisitionFailed(failure);
            }
            return;
        }
        if (g != generation) {
            owner.db.giveBack(s);
            return;
        }
        acquired(g, s, true);
    }

    /**
     * The server granted the lock on {@code s}: read or reserve fencing tokens (and, after a wait
     * in the server's queue, look whether others wait behind: P2 applies to them from the first
     * hold), then HELD.
     */
    private void acquired(int g, Session s, boolean waited) {
        session = s;
        s.holds.add(this);
        MultiLockType m = mode;
        CompletableFuture<Long> tokens = m == EXCLUSIVE
                ? owner.db.fencingTable(s).thenCompose(v -> s.run(
                        c -> Sql.reserveTokens(c, key, TOKEN_BLOCK)))
                : s.run(c -> Sql.readToken(c, key));
        CompletableFuture<Boolean> behind = waited
                ? s.run(c -> Sql.othersWait(c, key)) : CompletableFuture.completedFuture(false);
        var unused = tokens.thenCombine(behind, Granted::new)
                .whenComplete((granted, failure) -> submit(() -> held(g, s, m, granted, failure)));
    }

    /** What the statements after a grant found: the fencing token, and waiters behind. */
    private record Granted(long token, boolean othersWait) {}

    /** The statements after a grant are done: HELD, or let go after a failure. */
    private void held(int g, Session s, MultiLockType m, @Nullable Granted granted,
            @Nullable Throwable failure) {
        if (g != generation) {
            return;
        }
        if (failure != null || granted == null) {
            releaseAfterFailure(s, failure != null ? failure
                    : new IllegalStateException("no token after the grant"));
            return;
        }
        long token = granted.token();
        heardWaiter |= granted.othersWait();
        if (m == EXCLUSIVE) {
            tokenCeiling = token;
            nextToken = token - TOKEN_BLOCK + 1;
            lastExclusive = token - TOKEN_BLOCK;
        } else {
            tokenCeiling = token;
            nextToken = token + 1; // never handed out: a SHARED hold grants no EXCLUSIVE
            lastExclusive = token;
        }
        phase = Phase.HELD;
        waitStage = false;
        contended = false;
        closing = false;
        handOffs = 0;
        if (heardWaiter) {
            heardWaiter = false;
            startContention();
        }
        for (TryCover t : tries) {
            t.result().complete(grantable(t.type())
                    ? grant(t.lock(), t.local(), t.type()) : null);
        }
        tries.clear();
        advance();
        // a grant sets no watch (API.md: only a release, withdrawal or downgrade does); an event
        // that came while the key was being taken is looked at now
        if (deferredEvent) {
            deferredEvent = false;
            for (PgWatch w : watches) {
                evaluate(w, true);
            }
        }
    }

    /**
     * After a downgrade: the tries that waited for it are granted if the hold covers them,
     * refused if holders keep them out, and otherwise left to the release and the next try.
     */
    private void decideTries() {
        for (var it = tries.iterator(); it.hasNext(); ) {
            TryCover t = it.next();
            if (grantable(t.type())) {
                t.result().complete(grant(t.lock(), t.local(), t.type()));
                it.remove();
            } else if (exclusiveHolds + sharedHolds > 0 || !pending.isEmpty()) {
                t.result().complete(null);
                it.remove();
            }
        }
    }

    /** A block of tokens ran out under an EXCLUSIVE hold: reserve the next. */
    private void reserveTokens() {
        reserving = true;
        Session s = sessionOrThrow();
        int g = generation;
        var unused = s.run(c -> Sql.reserveTokens(c, key, TOKEN_BLOCK))
                .whenComplete((token, failure) -> submit(() -> {
                    if (g != generation) {
                        return;
                    }
                    reserving = false;
                    if (failure != null) {
                        releaseAfterFailure(s, failure);
                        return;
                    }
                    tokenCeiling = token;
                    nextToken = token - TOKEN_BLOCK + 1;
                    advance();
                }));
    }

    private void releaseAfterFailure(Session s, Throwable failure) {
        failPending(failure);
        if (s.isDead()) {
            return; // sessionLost follows
        }
        phase = Phase.HELD; // so that startRelease lets go of what the server granted
        closing = true;
        loseHandles(failure);
        startRelease();
    }

    private void startRelease() {
        Session s = sessionOrThrow();
        phase = Phase.RELEASING;
        MultiLockType m = mode;
        int g = generation;
        var unused = s.run(c -> Sql.unlock(c, key, m))
                .whenComplete((v, failure) -> submit(() -> {
            if (g != generation) {
                return;
            }
            s.holds.remove(this);
            if (s.dedicated) {
                owner.db.giveBack(s);
            }
            boolean yielded = closing;
            toIdle();
            yieldNext = yielded;
            advance();
            deferredEvent = false;
            for (PgWatch w : watches) {
                evaluate(w, true); // the release is an event
            }
        }));
    }

    private void acquisitionFailed(Throwable failure) {
        Throwable cause = cause(failure);
        failPending(cause);
        for (TryCover t : tries) {
            t.result().completeExceptionally(cause);
        }
        tries.clear();
        toIdle();
    }

    private void failPending(Throwable failure) {
        PostgresLockException e = failure instanceof PostgresLockException p ? p
                : new PostgresLockException("acquiring advisory key " + AdvisoryKey.hex(key)
                        + " failed", cause(failure));
        for (PgRequest r; (r = pending.poll()) != null; ) {
            if (r.fail()) {
                r.deliverFailure(e, owner.executor());
            }
            settle(r);
        }
    }

    private void loseHandles(Throwable cause) {
        for (PgHandle h : handles) {
            h.markLost(cause, owner.executor());
            unpin();
        }
        handles.clear();
        exclusiveHolds = 0;
        sharedHolds = 0;
    }

    private void toIdle() {
        Phase was = phase;
        phase = Phase.IDLE;
        mode = NONE;
        session = null;
        waitingOn = null;
        contended = false;
        heardWaiter = false;
        waitStage = false;
        closing = false;
        downgrading = false;
        reserving = false;
        generation++;
        if (was != Phase.IDLE) {
            unpin(); // the busy use
        }
    }

    private Session sessionOrThrow() {
        Session s = session;
        if (s == null) {
            throw new IllegalStateException("no session in phase " + phase);
        }
        return s;
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** For toString: the phase and mode, read without the serial section (a benign race). */
    String describe() {
        return phase + (mode == NONE ? "" : " " + mode) + ", demand=" + demand.get();
    }

    // VarHandle mechanics
    private static final VarHandle USES;
    static {
        try {
            USES = MethodHandles.lookup().findVarHandle(ServerHold.class, "uses", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
