package dev.multilock.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * {@link PgContender#JDBC}: plain session-level advisory locks, the way a user without a library
 * writes them. Each acquisition takes a connection from the pool and runs
 * {@code SELECT pg_advisory_lock(?)} (or {@code pg_try_advisory_lock}) on it; the release runs
 * {@code SELECT pg_advisory_unlock(?)} and gives the connection back. The token is the
 * connection. Key {@code k} of a namespace is the advisory key {@code namespace.hashCode() << 32
 * | k}.
 */
final class JdbcPgLocks implements PgLocks {

    private final DataSource pool;
    private final long base;

    JdbcPgLocks(DataSource pool, String namespace) {
        this.pool = pool;
        this.base = (long) namespace.hashCode() << 32;
    }

    @Override
    public Object lock(int key) {
        return take(key, "SELECT pg_advisory_lock(?)", false);
    }

    @Override
    public Object tryLock(int key) {
        return take(key, "SELECT pg_try_advisory_lock(?)", true);
    }

    /**
     * Runs {@code sql} on a pooled connection: the connection if it took the lock, else null.
     * {@code pg_advisory_lock} returns once granted (its result, void, says nothing);
     * {@code pg_try_advisory_lock} returns whether it took the lock.
     */
    private Object take(int key, String sql, boolean returnsBoolean) {
        Connection c = null;
        try {
            c = pool.getConnection();
            boolean taken;
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setLong(1, base | key);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    taken = !returnsBoolean || r.getBoolean(1);
                }
            }
            if (taken) {
                Connection held = c;
                c = null;
                return held;
            }
            return null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on key " + key + ": " + e, e);
        } finally {
            closeQuietly(c);
        }
    }

    @Override
    public void unlock(int key, Object token) {
        try (Connection c = (Connection) token;
                PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            s.setLong(1, base | key);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                if (!r.getBoolean(1)) {
                    throw new IllegalStateException("pg_advisory_unlock(" + (base | key)
                            + ") found no lock of the session");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("pg_advisory_unlock failed on key " + key + ": " + e,
                    e);
        }
    }

    @Override
    public long fencingToken(Object token) {
        return NO_TOKEN;
    }

    @Override
    public void close() {
        // nothing of its own: every connection went back to the pool with its release
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // giving a connection back after a failure: the failure is what is reported
            }
        }
    }

    @Override
    public String toString() {
        return "plain JDBC advisory locks, keys " + Long.toHexString(base) + " | k";
    }
}
