package dev.multilock.postgres;

import dev.multilock.MultiLockType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Every statement the library sends, in one place. Each runs in autocommit mode on one session,
 * from that session's serial executor ({@link Session}).
 *
 * <p>Locks are session-level advisory locks on one 64-bit key ({@link AdvisoryKey}), SHARED as
 * {@code pg_advisory_lock_shared} and EXCLUSIVE as {@code pg_advisory_lock}. A session never
 * takes a key twice (API.md, P2): the server would grant the second at once, ahead of every
 * waiter, and want two unlocks.
 */
final class Sql {

    /** The channel on which a release is announced, payload the key in hex (P7). */
    static final String RELEASED_CHANNEL = "multilock_released";
    /** The channel on which a session about to wait for a key announces it (P2). */
    static final String WAITING_CHANNEL = "multilock_waiting";
    /** Advisory locks are per database: a look at pg_locks keeps to the session's own. */
    private static final String THIS_DATABASE =
            "database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    /** The table of fencing counters (P6), created on the first EXCLUSIVE grant. */
    static final String FENCING_TABLE = "multilock_fencing";

    private Sql() {}

    /** Code of a statement to run on a session. */
    @FunctionalInterface
    interface Work<T extends @Nullable Object> {
        T run(Connection connection) throws SQLException;
    }

    /** The lock's mode on the server: SHARED for SHARED and NONE, else EXCLUSIVE. */
    static MultiLockType serverMode(MultiLockType type) {
        return type == MultiLockType.EXCLUSIVE ? MultiLockType.EXCLUSIVE : MultiLockType.SHARED;
    }

    private static String suffix(MultiLockType mode) {
        return mode == MultiLockType.EXCLUSIVE ? "" : "_shared";
    }

    static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** {@code pg_try_advisory_lock[_shared]}: never waits; refuses while anybody waits (P8). */
    static boolean tryLock(Connection c, long key, MultiLockType mode) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT pg_try_advisory_lock" + suffix(mode) + "(?)")) {
            s.setLong(1, key);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    /** Announces that this session is about to wait for {@code key} (committed at once). */
    static void announceWait(Connection c, long key) throws SQLException {
        notify(c, WAITING_CHANNEL, key);
    }

    /**
     * Prepares {@code pg_advisory_lock[_shared]}, which waits in the server's queue; the caller
     * executes it, and may cancel it from another thread.
     */
    static PreparedStatement prepareLock(Connection c, long key, MultiLockType mode)
            throws SQLException {
        PreparedStatement s = c.prepareStatement(
                "SELECT pg_advisory_lock" + suffix(mode) + "(?)");
        s.setLong(1, key);
        return s;
    }

    /**
     * {@code pg_advisory_unlock[_shared]}, and the announcement of the release (P7).
     *
     * @return whether the session held the lock
     */
    static boolean unlock(Connection c, long key, MultiLockType mode) throws SQLException {
        boolean held;
        try (PreparedStatement s = c.prepareStatement(
                "SELECT pg_advisory_unlock" + suffix(mode) + "(?)")) {
            s.setLong(1, key);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                held = r.getBoolean(1);
            }
        }
        notify(c, RELEASED_CHANNEL, key);
        return held;
    }

    /**
     * Turns the session's EXCLUSIVE lock into a SHARED one with no moment unlocked: the server
     * grants a session's shared request at once beside its own exclusive lock, waiters or not.
     */
    static void downgrade(Connection c, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_lock_shared(?)")) {
            s.setLong(1, key);
            s.executeQuery().close();
        }
        unlock(c, key, MultiLockType.EXCLUSIVE);
    }

    /** Releases every advisory lock of the session: the safety net before it is given back. */
    static void unlockAll(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT pg_advisory_unlock_all()").close();
        }
    }

    private static void notify(Connection c, String channel, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, channel);
            s.setString(2, AdvisoryKey.hex(key));
            s.executeQuery().close();
        }
    }

    /** Creates the fencing table if it does not exist; tolerates a concurrent creation. */
    static void ensureFencingTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + FENCING_TABLE
                    + " (lock_key bigint PRIMARY KEY, token bigint NOT NULL)");
        } catch (SQLException e) {
            // two sessions creating it at once: one fails on the catalog's unique index
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /**
     * Reserves the next {@code block} fencing tokens of {@code key}, under its EXCLUSIVE lock.
     *
     * @return the highest token reserved; the block is {@code (result - block, result]}
     */
    static long reserveTokens(Connection c, long key, long block) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + FENCING_TABLE
                + " AS f (lock_key, token) VALUES (?, ?) ON CONFLICT (lock_key)"
                + " DO UPDATE SET token = f.token + EXCLUDED.token RETURNING token")) {
            s.setLong(1, key);
            s.setLong(2, block);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** The highest fencing token reserved for {@code key} so far, 0 if none. */
    static long readToken(Connection c, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT token FROM " + FENCING_TABLE + " WHERE lock_key = ?")) {
            s.setLong(1, key);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : 0L;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0L; // no table yet: no EXCLUSIVE grant ever
            }
            throw e;
        }
    }

    /** A round trip that proves the session alive. */
    static void ping(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT 1").close();
        }
    }

    /**
     * The advisory keys that some session waits for: the heartbeat's look for waiters, which
     * tells a holder that another process waits (P2). A wait of this process's own shows too,
     * and finds its hold acquiring, where it changes nothing.
     */
    static Set<Long> keysWaitedFor(Connection c) throws SQLException {
        Set<Long> keys = new HashSet<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT DISTINCT classid::bigint, objid::bigint"
                        + " FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
                        + " AND NOT granted AND " + THIS_DATABASE)) {
            while (r.next()) {
                keys.add((r.getLong(1) << 32) | r.getLong(2));
            }
        }
        return keys;
    }

    /**
     * Whether a session other than those of {@code ourPids} holds or waits for {@code key} in a
     * way that keeps a request of {@code type} out: what {@code tryAcquire} on the server would
     * decide, without asking for the lock (P7).
     */
    static boolean othersKeepOut(Connection c, long key, MultiLockType type, int[] ourPids)
            throws SQLException {
        String conflict = type == MultiLockType.EXCLUSIVE ? "TRUE" : "mode = 'ExclusiveLock'";
        StringBuilder pids = new StringBuilder();
        for (int pid : ourPids) {
            pids.append(pids.length() == 0 ? "" : ",").append(pid);
        }
        try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks"
                + " WHERE locktype = 'advisory' AND objsubid = 1 AND classid::bigint = ?"
                + " AND objid::bigint = ? AND " + THIS_DATABASE + " AND " + conflict
                + (pids.length() == 0 ? "" : " AND pid NOT IN (" + pids + ")") + ")")) {
            s.setLong(1, AdvisoryKey.classid(key));
            s.setLong(2, AdvisoryKey.objid(key));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    /** Whether any session waits in the server's queue for {@code key}. */
    static boolean othersWait(Connection c, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks"
                + " WHERE locktype = 'advisory' AND objsubid = 1 AND classid::bigint = ?"
                + " AND objid::bigint = ? AND " + THIS_DATABASE + " AND NOT granted)")) {
            s.setLong(1, AdvisoryKey.classid(key));
            s.setLong(2, AdvisoryKey.objid(key));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    /** Whether {@code e} means the session is gone (connection broken, backend terminated). */
    static boolean isFatal(SQLException e, Connection c) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
            return true;
        }
        try {
            return c.isClosed();
        } catch (SQLException unknown) {
            return true;
        }
    }

    /**
     * Whether {@code failure} is the loss of a session (its connection broke, its backend was
     * terminated, or it was found dead before the statement ran), as opposed to an error of the
     * statement or the database refusing a new session.
     */
    static boolean isSessionLoss(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e) {
                String state = e.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
                    return true;
                }
            }
            if (t instanceof PostgresLockException p
                    && Session.LOST_MESSAGE.equals(p.getMessage())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Whether {@code e} is the cancellation of a statement ({@code Statement.cancel()}). */
    static boolean isCancelled(SQLException e) {
        return "57014".equals(e.getSQLState());
    }
}
