package dev.multilock.tests.pg;

import static dev.multilock.tests.pg.PgInstances.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresMultiLocks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's examples of fencing and of the key mapping (API.md P6, P3), compiled and run, so
 * that the README shows code that works.
 *
 * <p>Fencing: a store (here a table {@code account}) keeps, with each row, the fencing token of
 * its last write and refuses a write whose token is not above it. A holder that lost its lock
 * without noticing (its session died during a pause) and writes after the next holder is
 * refused.
 *
 * <p>Key mapping: the advisory key of {@code (namespace, key)} computed in Java and in SQL, and the
 * query that finds who holds or awaits a key in {@code pg_locks}.
 */
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
final class PostgresFencingExampleTest {

    // ---- the README's fencing example ----

    /**
     * Writes {@code balance} to account {@code id} under {@code lease}, unless a holder with a
     * later token has written it: a stale holder's write changes nothing.
     *
     * @return whether the write was applied
     */
    static boolean write(Connection store, String id, long balance, Lease lease)
            throws SQLException {
        try (PreparedStatement update = store.prepareStatement(
                "UPDATE account SET balance = ?, token = ? WHERE id = ? AND token < ?")) {
            update.setLong(1, balance);
            update.setLong(2, lease.fencingToken());
            update.setString(3, id);
            update.setLong(4, lease.fencingToken());
            return update.executeUpdate() == 1; // 0 rows: a later holder wrote first
        }
    }

    // ---- the README's key-mapping example ----

    /** The advisory key of {@code (namespace, key)} in Java. */
    static long advisoryKey(String namespace, String key) throws Exception {
        byte[] sha256 = MessageDigest.getInstance("SHA-256")
                .digest((namespace + "\u0000" + key).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(sha256).getLong(); // the first 8 bytes, big-endian
    }

    /** Who holds or awaits {@code (namespace, key)} here; parameters: namespace, key. */
    static final String WHO_HOLDS = """
            SELECT a.application_name, l.pid, l.mode, l.granted
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) =
                  ('x' || encode(substring(sha256(convert_to(?, 'UTF8') || '\\x00'::bytea
                                                  || convert_to(?, 'UTF8')) FROM 1 FOR 8),
                                 'hex'))::bit(64)::bigint
            ORDER BY l.granted DESC, a.application_name
            """;

    // ---- tests ----

    private PgInstances fx;

    @BeforeEach
    void openFixture(PostgresDatabase db) {
        fx = new PgInstances(db);
    }

    @AfterEach
    void closeFixture() {
        fx.close();
    }

    @Test
    void write_staleHolderAfterLosingTheLock_refusedByTheStore(PostgresDatabase db)
            throws Exception {
        PostgresMultiLocks app1 = fx.open("app1");
        PostgresMultiLocks app2 = fx.open("app2");
        try (Connection store = db.dataSource().getConnection();
                Statement ddl = store.createStatement()) {
            ddl.execute("CREATE TABLE account (id text PRIMARY KEY, balance bigint NOT NULL,"
                    + " token bigint NOT NULL DEFAULT 0)");
            ddl.execute("INSERT INTO account (id, balance) VALUES ('alice', 100)");

            // app1 takes the lock of alice's account...
            KeyedMultiLock<String> accounts1 = app1.keyed("accounts");
            Handle writer1 = accounts1.get("alice").acquire(MultiLockType.EXCLUSIVE).join();
            Lease lease1 = Lease.of(writer1);

            // ...and pauses; meanwhile its session dies, and app2 takes the lock and writes
            int app1Session = fx.locksOf("app1", advisoryKey("accounts", "alice")).get(0).pid();
            assertTrue(fx.server().terminateBackend(app1Session));
            KeyedMultiLock<String> accounts2 = app2.keyed("accounts");
            Handle writer2 = await(accounts2.get("alice").acquire(MultiLockType.EXCLUSIVE),
                    "app2 takes the lock app1 lost");
            Lease lease2 = Lease.of(writer2);
            assertTrue(lease2.fencingToken() > lease1.fencingToken());
            assertTrue(write(store, "alice", 150, lease2));
            writer2.release();

            // app1 resumes and writes with its old token: the store refuses it
            assertFalse(write(store, "alice", 90, lease1), "the stale holder's write");
            try (ResultSet r = ddl.executeQuery("SELECT balance, token FROM account")) {
                assertTrue(r.next());
                assertEquals(150, r.getLong(1), "app2's write stands");
                assertEquals(lease2.fencingToken(), r.getLong(2));
            }

            // app1 learns of the loss within its heartbeat plus 1 s
            await(lease1.lost(), PgInstances.HEARTBEAT.plusSeconds(1), "app1's lease is lost");
            assertFalse(writer1.isHeld());
            writer1.release();
        }
    }

    @Test
    void whoHolds_keyComputedInSql_findsHolderAndWaiterInPgLocks(PostgresDatabase db)
            throws Exception {
        PostgresMultiLocks app1 = fx.open("app1");
        PostgresMultiLocks app2 = fx.open("app2");
        String namespace = "accounts";
        String key = "ünïcödé ✓";
        assertEquals(PgInstances.advisoryKey(namespace, key), advisoryKey(namespace, key),
                "the README's Java and the test's computation agree");
        Handle held = await(app1.keyed(namespace).get(key).acquire(MultiLockType.EXCLUSIVE),
                "app1's lock");
        CompletableFuture<Handle> waiting = app2.keyed(namespace).get(key)
                .acquire(MultiLockType.SHARED);
        fx.awaitServerWait("app2", advisoryKey(namespace, key));
        List<String> rows = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                PreparedStatement who = c.prepareStatement(WHO_HOLDS)) {
            who.setString(1, namespace);
            who.setString(2, key);
            try (ResultSet r = who.executeQuery()) {
                while (r.next()) {
                    rows.add(r.getString(1) + " " + r.getString(3) + " granted="
                            + r.getBoolean(4));
                }
            }
        }
        assertEquals(List.of(fx.app("app1") + " ExclusiveLock granted=true",
                fx.app("app2") + " ShareLock granted=false"), rows);
        held.release();
        await(waiting, Duration.ofSeconds(10), "app2's SHARED").release();
    }
}
