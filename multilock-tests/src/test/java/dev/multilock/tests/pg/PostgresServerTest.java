package dev.multilock.tests.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.tests.pg.PostgresServer.AdvisoryLock;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The throwaway PostgreSQL of the test run, as the PostgreSQL tests use it: it starts once,
 * accepts JDBC sessions with the settings it was given, shows advisory locks and sessions, ends
 * sessions on demand and restarts on the same port and data.
 */
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
final class PostgresServerTest {

    private static final Duration GONE = Duration.ofSeconds(2);

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW " + setting)) {
            assertTrue(r.next());
            return r.getString(1);
        }
    }

    /** Runs {@code sql}, a call of a void function such as pg_advisory_lock, on {@code key}. */
    private static void run(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, key);
            s.execute();
        }
    }

    /** The answer of {@code sql}, a call of a boolean function, on {@code key}. */
    private static boolean ask(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, key);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next());
                return r.getBoolean(1);
            }
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
            assertTrue(r.next());
            return r.getInt(1);
        }
    }

    @Test
    void server_started_acceptsJdbcOnLoopbackWithTestSettings(PostgresServer pg)
            throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl())) {
            assertEquals("127.0.0.1", show(c, "listen_addresses"));
            assertEquals(Integer.toString(pg.port()), show(c, "port"));
            assertEquals("off", show(c, "fsync"));
            assertEquals("200", show(c, "max_connections"));
            assertEquals("UTF8", show(c, "server_encoding"));
            assertEquals(pg.directory().toString(), show(c, "unix_socket_directories"));
            assertTrue(Integer.parseInt(show(c, "server_version_num")) >= 140000,
                    "pg_terminate_backend(pid, timeout) needs PostgreSQL 14+: " + pg.version());
        }
        assertTrue(Files.isRegularFile(pg.logFile()), "the server logs to " + pg.logFile());
        assertTrue(pg.directory().getFileName().toString()
                .startsWith(PostgresServer.DIRECTORY_PREFIX));
    }

    @Test
    void extension_twoParameters_oneServerPerRun(PostgresServer a, PostgresServer b,
            PostgresDatabase db) {
        assertSame(a, b, "one server per run, from the root store");
        assertSame(a, db.server());
    }

    @Test
    void newDatabase_twice_distinctDatabasesWithTheirOwnTables(PostgresServer pg)
            throws SQLException {
        PostgresDatabase one = pg.newDatabase("Some Test!");
        PostgresDatabase two = pg.newDatabase("Some Test!");
        assertNotEquals(one.name(), two.name());
        assertTrue(one.name().matches("some_test__[0-9]+"), one.name());
        try (Connection c = one.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (x int)");
        }
        try (Connection c = two.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (x int)"); // no clash: another database
        }
    }

    @Test
    void advisoryLocks_exclusiveSharedAndWaiting_listedWithKeyModeGrantAndPid(
            PostgresDatabase db) throws Exception {
        long key = -2L; // classid 0xFFFFFFFF, objid 0xFFFFFFFE: both above 2^31
        long other = 0x0123_4567_89AB_CDEFL;
        try (Connection a = db.dataSource().getConnection();
                Connection b = db.dataSource().getConnection();
                Connection c = db.dataSource().getConnection()) {
            run(a, "SELECT pg_advisory_lock(?)", key);
            run(b, "SELECT pg_advisory_lock_shared(?)", other);
            run(c, "SELECT pg_advisory_lock_shared(?)", other);
            assertFalse(ask(b, "SELECT pg_try_advisory_lock(?)", key), "a holds it");
            List<AdvisoryLock> held = db.advisoryLocks();
            assertEquals(3, held.size(), held.toString());
            AdvisoryLock exclusive = held.stream().filter(l -> l.key() == key).findFirst()
                    .orElseThrow();
            assertEquals(backendPid(a), exclusive.pid());
            assertTrue(exclusive.isExclusive() && exclusive.granted(), exclusive.toString());
            assertEquals(0xFFFF_FFFFL, exclusive.classId());
            assertEquals(0xFFFF_FFFEL, exclusive.objId());
            assertEquals(1, exclusive.objSubId());
            assertEquals(db.name(), exclusive.database());
            assertEquals(2, held.stream().filter(l -> l.key() == other && l.isShared()).count());

            // b queues behind a: the server shows the request, not granted
            int waiter = backendPid(b);
            CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    run(b, "SELECT pg_advisory_lock(?)", key);
                    return true;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Poll.until(GONE, db::advisoryLocks,
                    locks -> locks.stream().anyMatch(l -> l.pid() == waiter && !l.granted()),
                    "b's request for the exclusive lock shows, not granted");
            assertTrue(ask(a, "SELECT pg_advisory_unlock(?)", key));
            waiting.get(10, TimeUnit.SECONDS);
            assertTrue(db.advisoryLocks().stream()
                    .anyMatch(l -> l.pid() == waiter && l.key() == key && l.granted()));
        }
        Poll.until(GONE, db::advisoryLocks, List::isEmpty,
                "closing the sessions releases their advisory locks");
        assertTrue(db.server().advisoryLocks().stream()
                .noneMatch(l -> l.database().equals(db.name())));
    }

    @Test
    void connectionCount_applicationName_countsOpenSessionsOnly(PostgresServer pg)
            throws SQLException {
        String app = "count-test";
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(pg.dataSource(PostgresServer.DEFAULT_DATABASE, app).getConnection());
            }
            assertEquals(3, pg.connectionCount(app));
            assertEquals(3, pg.backends(app).size());
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        Poll.until(GONE, () -> pg.connectionCount(app), n -> n == 0,
                "closed sessions leave pg_stat_activity");
        // an admin session closed just before may still be leaving: poll, bounded
        Poll.until(GONE, () -> pg.connectionCount(PostgresServer.ADMIN_APPLICATION),
                n -> n == 0, "the inspecting session does not count itself");
    }

    @Test
    void terminateBackend_sessionHoldingLock_lockGoneAndSessionBroken(PostgresDatabase db)
            throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            run(c, "SELECT pg_advisory_lock(?)", 7L);
            int pid = backendPid(c);
            assertTrue(db.server().terminateBackend(pid));
            assertTrue(db.advisoryLocks().stream().noneMatch(l -> l.pid() == pid),
                    "terminateBackend waits for the backend to end");
            assertThrows(SQLException.class, () -> backendPid(c));
        }
        assertFalse(db.server().terminateBackend(Integer.MAX_VALUE), "no such backend");
    }

    @Test
    void restart_sessionHoldingLock_lockLostSamePortDataKept(PostgresServer pg)
            throws SQLException {
        PostgresDatabase db = pg.newDatabase("restart");
        int port = pg.port();
        try (Connection c = db.dataSource().getConnection()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (x int)");
                s.execute("INSERT INTO kept VALUES (42)");
            }
            run(c, "SELECT pg_advisory_lock(?)", 11L);
            assertEquals(1, db.advisoryLocks().size());

            pg.restart();

            assertThrows(SQLException.class, () -> backendPid(c),
                    "a session of the old server is gone");
        }
        assertEquals(port, pg.port());
        assertEquals(List.of(), db.advisoryLocks(), "the restart released every lock");
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT x FROM kept")) {
            assertTrue(r.next());
            assertEquals(42, r.getInt(1), "same data directory");
        }
    }
}
