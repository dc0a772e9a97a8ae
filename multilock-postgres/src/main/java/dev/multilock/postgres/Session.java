package dev.multilock.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One database session the library keeps: a connection from the user's {@code DataSource}, used
 * by one statement at a time ({@link SerialExecutor} over the library's executor), and the
 * server locks it holds.
 *
 * <p>Two kinds: the <i>shared</i> session of a {@link Database} takes locks that are free at
 * once ({@code pg_try_advisory_lock}), for any number of keys, and runs the library's other
 * short statements; a <i>dedicated</i> session waits in the server's queue for one key and then
 * holds it, so that a waiting key costs one connection and a free one none (API.md, P2).
 *
 * <p>A session that fails with a fatal error (its connection broke, its backend was
 * terminated) is {@linkplain #isDead() dead}: every hold on it is told ({@link Database#lost}),
 * and it runs nothing more.
 */
final class Session {

    /** The message of the failure of a statement sent to a session already found dead. */
    static final String LOST_MESSAGE = "the database session was lost";

    final Database db;
    final Connection connection;
    /** The server's process id of this session, to tell our sessions apart in pg_locks. */
    final int pid;
    final boolean dedicated;
    private final SerialExecutor runner;
    /** The holds whose server lock lives on this session; changed by their serial sections. */
    final Set<ServerHold> holds = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean dead = new AtomicBoolean();
    /** The end of the give-back, once one has begun; see {@link Database#giveBack}. */
    private final AtomicReference<@Nullable CompletableFuture<Void>> givenBack =
            new AtomicReference<>();
    private volatile @Nullable Throwable deathCause;
    /** The statement waiting in the server's queue, for {@link #cancelWait()}; else null. */
    private volatile @Nullable PreparedStatement waiting;
    /** Set by {@link #cancelWait()}: a wait that has not begun yet does not begin. */
    private volatile boolean cancelled;

    Session(Database db, Connection connection, int pid, boolean dedicated) {
        this.db = db;
        this.connection = connection;
        this.pid = pid;
        this.dedicated = dedicated;
        this.runner = new SerialExecutor(db.executor);
    }

    boolean isDead() {
        return dead.get();
    }

    /**
     * Runs {@code work} on this session after the statements submitted before it. Its future
     * completes on the session's thread, marked as the library's work (see {@link Deliveries});
     * a fatal error kills the session first.
     */
    <T extends @Nullable Object> CompletableFuture<T> run(Sql.Work<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        runner.execute(() -> Deliveries.asLibraryWork(() -> {
            if (dead.get()) {
                Throwable cause = deathCause;
                result.completeExceptionally(cause == null
                        ? new PostgresLockException(LOST_MESSAGE)
                        : new PostgresLockException(LOST_MESSAGE, cause));
                return;
            }
            T value;
            try {
                value = work.run(connection);
            } catch (SQLException e) {
                if (Sql.isFatal(e, connection)) {
                    db.lost(this, e);
                }
                result.completeExceptionally(e);
                return;
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
                return;
            }
            result.complete(value);
        }));
        return result;
    }

    /**
     * Executes {@code statement}, which waits in the server's queue, so that
     * {@link #cancelWait()} can cancel it; called from {@link #run}.
     */
    void executeWaiting(PreparedStatement statement) throws SQLException {
        waiting = statement;
        if (cancelled) { // after the write of waiting: a cancel either sees it or is seen here
            waiting = null;
            throw new SQLException("cancelled before the wait began", "57014");
        }
        try {
            statement.executeQuery().close();
        } finally {
            waiting = null;
        }
    }

    /** Cancels the statement waiting in the server's queue, if any; throws nothing. */
    void cancelWait() {
        cancelled = true;
        PreparedStatement s = waiting;
        if (s != null) {
            try {
                s.cancel(); // the driver sends the cancel request on a connection of its own
            } catch (SQLException ignored) {
                // the wait ends by itself or with the session: either way the hold learns of it
            }
        }
    }

    /** Starts the give-back, once: whether this call did ({@code done} its end). */
    boolean markGivenBack(CompletableFuture<Void> done) {
        return givenBack.compareAndSet(null, done);
    }

    /** The end of the give-back that began; call after {@link #markGivenBack} failed. */
    CompletableFuture<Void> givenBack() {
        CompletableFuture<Void> done = givenBack.get();
        return done != null ? done : CompletableFuture.completedFuture(null);
    }

    /** Marks this session dead, once; returns whether this call did. */
    boolean markDead(Throwable cause) {
        deathCause = cause; // benign race: any of the causes that killed it will do
        return dead.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return (dedicated ? "dedicated" : "shared") + " session " + pid
                + (dead.get() ? " (dead)" : "");
    }
}
