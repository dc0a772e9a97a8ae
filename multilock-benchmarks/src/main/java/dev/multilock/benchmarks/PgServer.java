package dev.multilock.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The PostgreSQL server of the PostgreSQL benchmarks: the throwaway cluster that {@code run.sh}
 * starts (its JDBC URL in the system property {@value #URL_PROPERTY}), and the HikariCP pools
 * that both contenders take their connections from.
 */
final class PgServer {

    /**
     * The system property that holds the server's JDBC URL, user included; {@code run.sh} passes
     * it to the JMH forks with {@code -jvmArgsAppend}.
     */
    static final String URL_PROPERTY = "multilock.benchmarks.pg.url";

    /** How long the check for leftover advisory locks waits for closed sessions to end. */
    private static final long LEAK_WAIT_SECONDS = 5;

    private PgServer() {}

    /**
     * The server's JDBC URL.
     *
     * @return the value of {@value #URL_PROPERTY}
     * @throws IllegalStateException naming the way to run the benchmark if the property is unset
     */
    static String url() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("no PostgreSQL server: run the PostgreSQL benchmarks"
                    + " through multilock-benchmarks/run.sh (profiles postgres and smoke), which"
                    + " starts one, or pass -jvmArgsAppend -D" + URL_PROPERTY
                    + "=jdbc:postgresql://HOST:PORT/DATABASE?user=USER");
        }
        return url;
    }

    /**
     * A HikariCP pool of exactly {@code size} connections, all opened before this returns, in
     * autocommit (HikariCP's default, and what session-level advisory locks need).
     *
     * @param url the JDBC URL
     * @param size the number of connections
     * @param name the pool's name, for its threads
     * @return the pool
     */
    static HikariDataSource pool(String url, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setConnectionTimeout(TimeUnit.SECONDS.toMillis(30));
        HikariDataSource pool = new HikariDataSource(config);
        // HikariCP fills the pool in the background: wait, so no measurement pays a connect
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.getHikariPoolMXBean().getTotalConnections() < size) {
            if (System.nanoTime() - deadline > 0) {
                pool.close();
                throw new IllegalStateException("the pool " + name + " did not open " + size
                        + " connections to " + url + " within 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // polled: no event to await
        }
        return pool;
    }

    /**
     * Fails if any advisory lock is left in the server once every session of a trial is closed:
     * a contender that leaks a lock would otherwise look fast. Waits up to
     * {@value #LEAK_WAIT_SECONDS} s for the server to end the closed sessions.
     *
     * @param url the JDBC URL of the throwaway server, which nothing else uses
     * @throws IllegalStateException if advisory locks are still there
     */
    static void checkNoAdvisoryLocks(String url) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LEAK_WAIT_SECONDS);
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            for (;;) {
                long left;
                try (ResultSet r = s.executeQuery(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")) {
                    r.next();
                    left = r.getLong(1);
                }
                if (left == 0) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(left + " advisory locks left in the server "
                            + LEAK_WAIT_SECONDS + " s after every session was closed");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polled
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_locks at " + url + ": " + e, e);
        }
    }
}
