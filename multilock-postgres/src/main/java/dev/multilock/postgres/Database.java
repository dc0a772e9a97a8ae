package dev.multilock.postgres;

import dev.multilock.MultiLockType;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The sessions a {@link PostgresMultiLocks} keeps on its database, and the library's own work on
 * them: the shared session, dedicated sessions for keys that wait, the listener of
 * notifications, and the heartbeat.
 *
 * <p>Connections, at most: one shared session (opened on first use, again after a loss), one
 * listener (opened with the first session), and one dedicated session per key this process
 * waits for on the server or holds after a wait (API.md, P2). Every session is cleared with
 * {@code pg_advisory_unlock_all()} before its connection is closed, so no advisory lock can leak
 * into a connection pool.
 */
final class Database {

    private static final long WATCHDOG_NANOS = TimeUnit.SECONDS.toNanos(1);

    final DataSource dataSource;
    final Executor executor;
    private final ScheduledExecutorService timer;
    private final PostgresMultiLocks owner;
    private final AtomicReference<@Nullable CompletableFuture<Session>> shared =
            new AtomicReference<>();
    /** Every session open now. */
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Sessions being opened now. */
    private final AtomicInteger opening = new AtomicInteger();
    /** Sessions being given back: close() waits for them too. */
    private final Set<Session> closing = ConcurrentHashMap.newKeySet();
    private volatile boolean fencingReady;
    private volatile boolean closed;
    private final AtomicBoolean listenerStarted = new AtomicBoolean();
    private volatile @Nullable Thread listener;
    private volatile @Nullable Connection listenerConnection;
    private volatile int listenerPid;

    Database(PostgresMultiLocks owner, DataSource dataSource, Executor executor,
            ScheduledExecutorService timer) {
        this.owner = owner;
        this.dataSource = dataSource;
        this.executor = executor;
        this.timer = timer;
    }

    // ---- sessions ----

    /** The shared session, opened if there is none (or the last one died). */
    CompletableFuture<Session> shared() {
        for (;;) {
            CompletableFuture<Session> current = shared.get();
            if (current != null && !(current.isDone() && (current.isCompletedExceptionally()
                    || current.join().isDead()))) {
                return current;
            }
            CompletableFuture<Session> next = new CompletableFuture<>();
            if (shared.compareAndSet(current, next)) {
                // the callback ends every path in next: its stage carries nothing to check
                var unused = open(false).whenComplete((s, failure) -> {
                    if (failure != null) {
                        next.completeExceptionally(failure);
                    } else {
                        next.complete(s);
                    }
                });
                return next;
            }
        }
    }

    /** A new session for one key that waits on the server. */
    CompletableFuture<Session> openDedicated() {
        return open(true);
    }

    private CompletableFuture<Session> open(boolean dedicated) {
        opening.incrementAndGet();
        CompletableFuture<Session> opened = CompletableFuture.supplyAsync(() -> {
            if (closed) {
                throw new PostgresLockException("PostgresMultiLocks is closed");
            }
            Connection c = null;
            try {
                c = dataSource.getConnection();
                c.setAutoCommit(true);
                Session s = new Session(this, c, Sql.backendPid(c), dedicated);
                sessions.add(s);
                if (closed) { // close() ran while this opened: it did not see this session
                    sessions.remove(s);
                    closeQuietly(c);
                    throw new PostgresLockException("PostgresMultiLocks is closed");
                }
                startListener();
                return s;
            } catch (SQLException e) {
                if (c != null) {
                    closeQuietly(c);
                }
                throw new PostgresLockException("could not open a database session", e);
            }
        }, executor);
        // counted until done, so that close() waits for a session being opened as it runs
        var unused = opened.whenComplete((s, failure) -> opening.decrementAndGet());
        return opened;
    }

    /**
     * Gives a dedicated (or any) session back: clears every advisory lock it may hold (a grant
     * that raced a cancelled wait included), then closes its connection.
     */
    void giveBack(Session s) {
        var unused = giveBackAnd(s); // ends the session in every case: nothing to check
    }

    /** As {@link #giveBack}, with a future of its end; the first call per session does it. */
    private CompletableFuture<Void> giveBackAnd(Session s) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!s.markGivenBack(done)) {
            return s.givenBack();
        }
        closing.add(s);
        var unusedToo = done.whenComplete((v, failure) -> closing.remove(s));
        sessions.remove(s);
        var unused = s.run(c -> {
            Sql.unlockAll(c);
            return Boolean.TRUE;
        }).whenComplete((v, failure) -> {
            if (failure == null) {
                closeQuietly(s.connection);
            } else {
                abort(s.connection); // unsure what it holds: end the session itself
            }
            done.complete(null);
        });
        return done;
    }

    /**
     * A session died: every hold on it hears of it, and its connection is ended (aborted, so
     * that a pool does not reuse it).
     */
    void lost(Session s, Throwable cause) {
        if (!s.markDead(cause)) {
            return;
        }
        sessions.remove(s);
        CompletableFuture<Session> sharedNow = shared.get();
        if (sharedNow != null && sharedNow.isDone() && !sharedNow.isCompletedExceptionally()
                && sharedNow.join() == s) {
            shared.compareAndSet(sharedNow, null);
        }
        for (ServerHold h : s.holds) {
            h.sessionLost(s, cause);
        }
        try {
            executor.execute(() -> abort(s.connection));
        } catch (RejectedExecutionException shutDown) {
            abort(s.connection); // closing: the executor is gone, end the session here
        }
    }

    /** The server process ids of this instance's sessions, to leave them out of pg_locks. */
    int[] ourPids() {
        List<Integer> pids = new ArrayList<>();
        for (Session s : sessions) {
            pids.add(s.pid);
        }
        int listenerNow = listenerPid;
        if (listenerNow != 0) {
            pids.add(listenerNow);
        }
        return pids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Creates the fencing table once per instance, on {@code s}. */
    CompletableFuture<Boolean> fencingTable(Session s) {
        if (fencingReady) {
            return CompletableFuture.completedFuture(Boolean.TRUE);
        }
        return s.run(c -> {
            Sql.ensureFencingTable(c);
            fencingReady = true;
            return Boolean.TRUE;
        });
    }

    /** See {@link Sql#othersKeepOut}; waits for the answer. */
    boolean othersKeepOut(long key, MultiLockType type) {
        int[] ours = ourPids();
        try {
            return shared().thenCompose(s -> s.run(c -> Sql.othersKeepOut(c, key, type, ours)))
                    .join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof PostgresLockException p ? p
                    : new PostgresLockException("reading pg_locks failed", cause);
        }
    }

    // ---- timing ----

    /** Runs {@code task} after {@code delay} on the library's timer, as the library's work. */
    ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return timer.schedule(() -> Deliveries.asLibraryWork(task), delay, unit);
    }

    /** Starts the heartbeat: every {@code period}, see {@link #beat()}. */
    void startHeartbeat(long periodNanos) {
        var unused = timer.scheduleAtFixedRate(() -> Deliveries.asLibraryWork(this::beat),
                periodNanos,
                periodNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * One heartbeat: proves alive every session that holds a lock (a session that does not
     * answer within a second is lost), tells holds whose keys another session waits for, and
     * has watches look at the server again.
     */
    private void beat() {
        if (closed) {
            return;
        }
        CompletableFuture<Session> sharedNow = shared.get();
        for (Session s : sessions) {
            boolean isShared = sharedNow != null && sharedNow.isDone()
                    && !sharedNow.isCompletedExceptionally() && sharedNow.join() == s;
            if (!s.isDead() && (isShared || !s.holds.isEmpty())) {
                // a failure kills the session (Session.run): nothing else to do with it
                var unused = s.run(c -> {
                    ScheduledFuture<?> watchdog = schedule(() -> lost(s,
                            new TimeoutException("no answer to a heartbeat within 1 s")),
                            WATCHDOG_NANOS, TimeUnit.NANOSECONDS);
                    try {
                        Sql.ping(c);
                    } finally {
                        watchdog.cancel(false);
                    }
                    return Boolean.TRUE;
                });
            }
        }
        if (owner.anyHeld() && sharedNow != null) {
            // a failed look is retried at the next beat: nothing to do with it
            var unused = shared().thenCompose(s -> s.run(Sql::keysWaitedFor)).thenAccept(keys -> {
                for (long key : keys) {
                    ServerHold h = owner.existingHold(key);
                    if (h != null) {
                        h.contended();
                    }
                }
            });
        }
        owner.pollWatches();
    }

    // ---- notifications ----

    private void startListener() {
        if (closed || !listenerStarted.compareAndSet(false, true)) {
            return;
        }
        Thread t = owner.newThread(this::listen, "listener");
        listener = t;
        t.start();
    }

    /** The listener thread: LISTEN on both channels and dispatch, reconnecting on failure. */
    private void listen() {
        Deliveries.asLibraryWork(() -> {
            while (!closed) {
                try (Connection c = dataSource.getConnection()) {
                    listenerConnection = c;
                    c.setAutoCommit(true);
                    listenerPid = Sql.backendPid(c);
                    try (Statement s = c.createStatement()) {
                        s.execute("LISTEN " + Sql.RELEASED_CHANNEL);
                        s.execute("LISTEN " + Sql.WAITING_CHANNEL);
                    }
                    PGConnection pg = c.unwrap(PGConnection.class);
                    while (!closed) {
                        PGNotification[] notes = pg.getNotifications(250);
                        if (notes != null) {
                            for (PGNotification n : notes) {
                                dispatch(n);
                            }
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    if (closed) {
                        return;
                    }
                    listenerPid = 0;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // then reconnect
                }
            }
        });
    }

    private void dispatch(PGNotification n) {
        long key;
        try {
            key = AdvisoryKey.parseHex(n.getParameter());
        } catch (NumberFormatException notOurs) {
            return;
        }
        ServerHold h = owner.existingHold(key);
        if (h == null) {
            return;
        }
        if (Sql.WAITING_CHANNEL.equals(n.getName())) {
            h.contended();
        } else {
            h.reevaluate(true);
        }
    }

    // ---- closing ----

    /**
     * Closes every session (clearing its locks first), including those being given back, and
     * the listener; waits for them.
     */
    void close() {
        closed = true;
        // a session being opened closes itself on seeing `closed` (see open): wait for it
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (opening.get() > 0 && System.nanoTime() < until) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Session s : new ArrayList<>(closing)) {
            all.add(s.givenBack());
        }
        for (Session s : new ArrayList<>(sessions)) {
            all.add(giveBackAnd(s));
        }
        Connection l = listenerConnection;
        if (l != null) {
            abort(l);
        }
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception slow) {
            for (Session s : new ArrayList<>(sessions)) {
                abort(s.connection);
            }
        }
        Thread t = listener;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing is best effort: the server ends the session with the connection anyway
        }
    }

    private void abort(Connection c) {
        try {
            c.abort(executor);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
        }
    }
}
