package dev.multilock.tests.pg;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.pg.PgInstances.SHOWS;
import static dev.multilock.tests.pg.PgInstances.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.PostgresMultiLocks;
import dev.multilock.tests.pg.PostgresServer.AdvisoryLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the PostgreSQL backend costs in connections (API.md P2, the class notes of
 * {@link PostgresMultiLocks}), measured: the sessions of an instance are counted in
 * {@code pg_stat_activity} by the application name its data source gives them.
 *
 * <ul>
 *   <li>Any number of keys held without contention: two sessions, the shared one (which takes
 *       free keys with {@code pg_try_advisory_lock}) and the listener.
 *   <li>A key the instance waits for on the server: one more session while it waits and while it
 *       holds the key after the wait, given back once it is released.
 * </ul>
 *
 * <p>Each test prints its figures ({@code [connections] ...}).
 */
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
final class PostgresConnectionTest {

    private static final int KEYS = 200;

    private PgInstances fx;

    @BeforeEach
    void openFixture(PostgresDatabase db) {
        fx = new PgInstances(db);
    }

    @AfterEach
    void closeFixture() {
        fx.close();
    }

    /** Waits until instance {@code name} has {@code n} sessions, and says so. */
    private void expectSessions(String name, int n, String when) {
        Poll.until(SHOWS, () -> fx.connections(name), c -> c == n,
                name + " has " + n + " sessions " + when);
        System.out.println("[connections] " + when + ": " + n + " sessions of " + name);
    }

    private List<Handle> acquireAll(PostgresMultiLocks locks, String prefix, int n,
            MultiLockType type) {
        List<CompletableFuture<Handle>> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(fx.lock(locks, prefix + i).acquire(type));
        }
        List<Handle> held = new ArrayList<>();
        for (CompletableFuture<Handle> r : requests) {
            held.add(await(r, prefix + ": a grant"));
        }
        return held;
    }

    @Test
    void connections_200KeysHeldWithoutContention_twoSessions() {
        PostgresMultiLocks a = fx.open("a");
        expectSessions("a", 0, "before any use");
        List<Handle> held = acquireAll(a, "x", KEYS, EXCLUSIVE);
        held.addAll(acquireAll(a, "s", KEYS, SHARED));
        expectSessions("a", 2, (2 * KEYS) + " keys held without contention (" + KEYS
                + " EXCLUSIVE, " + KEYS + " SHARED)");
        List<AdvisoryLock> rows = fx.database().advisoryLocks();
        assertEquals(2 * KEYS, rows.size());
        Set<Integer> holders = rows.stream().map(AdvisoryLock::pid).collect(Collectors.toSet());
        assertEquals(1, holders.size(), "every free key is taken on one session: " + holders);
        assertTrue(fx.pids("a").containsAll(holders));
        for (Handle h : held) {
            h.release();
        }
        Poll.until(SHOWS, fx.database()::advisoryLocks, List::isEmpty, "every key released");
        expectSessions("a", 2, "every key released, the instance open");
    }

    @Test
    void connections_keysWaitedForOnServer_oneSessionEachWhileWaitingOrHoldingThenGivenBack() {
        PostgresMultiLocks a = fx.open("a");
        PostgresMultiLocks b = fx.open("b");
        List<Handle> free = acquireAll(a, "free", 50, EXCLUSIVE);
        expectSessions("a", 2, "50 free keys held");

        Handle hb = await(fx.lock(b, "w").acquire(EXCLUSIVE), "b's w");
        CompletableFuture<Handle> fa = fx.lock(a, "w").acquire(EXCLUSIVE);
        fx.awaitServerWait("a", fx.serverKey("w"));
        expectSessions("a", 3, "50 free keys held, waiting for 1 key");
        hb.release();
        Handle ha = await(fa, "a's w after b's release");
        int waiter = fx.locksOf("a", fx.serverKey("w")).get(0).pid();
        assertNotEquals(fx.locksOf("a", fx.serverKey("free0")).get(0).pid(), waiter,
                "the key a waited for is held on the session that waited");
        expectSessions("a", 3, "50 free keys held, holding 1 key after a wait");
        ha.release();
        expectSessions("a", 2, "50 free keys held, the waited-for key released");

        List<Handle> byB = acquireAll(b, "y", 5, EXCLUSIVE);
        expectSessions("b", 2, "b holding 5 free keys");
        List<CompletableFuture<Handle>> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waits.add(fx.lock(a, "y" + i).acquire(SHARED));
        }
        for (int i = 0; i < 5; i++) {
            fx.awaitServerWait("a", fx.serverKey("y" + i));
        }
        expectSessions("a", 7, "50 free keys held, waiting for 5 keys");
        for (Handle h : byB) {
            h.release();
        }
        List<Handle> got = new ArrayList<>();
        for (CompletableFuture<Handle> w : waits) {
            got.add(await(w, "a's wait"));
        }
        expectSessions("a", 7, "50 free keys held, holding 5 keys after waits");
        for (Handle h : got) {
            h.release();
        }
        expectSessions("a", 2, "50 free keys held, the 5 waited-for keys released");
        for (Handle h : free) {
            h.release();
        }
        expectSessions("a", 2, "nothing held, the instance open");
    }
}
