package dev.multilock.tests.pg;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.pg.PgInstances.SHOWS;
import static dev.multilock.tests.pg.PgInstances.await;
import static dev.multilock.tests.pg.PgInstances.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresLockException;
import dev.multilock.postgres.PostgresMultiLocks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A restart of the PostgreSQL server under two instances (API.md P5): every handle is lost within
 * the heartbeat plus 1 s of the server's return, a pending acquisition fails with
 * {@link PostgresLockException}, and new acquisitions work once the server is back.
 *
 * <p><b>Runs alone.</b> {@link PostgresServer#restart()} ends every session of the test run's one
 * server, so a test of another class running at the same time would see its sessions die.
 * The build runs test classes one at a time (surefire's default, no JUnit parallel execution
 * configured); {@link Isolated} keeps that true should parallel execution ever be switched on.
 */
@Isolated("restarts the test run's one PostgreSQL server, which ends every session of the run")
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
final class PostgresRestartFailureTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);
    private static final Duration LOSS_BOUND = HEARTBEAT.plusSeconds(1);

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
    void restart_handlesOnEverySession_allLostPendingFailsNewAcquisitionsWork() {
        PostgresMultiLocks a = fx.open("a", o -> o.heartbeat(HEARTBEAT));
        PostgresMultiLocks b = fx.open("b", o -> o.heartbeat(HEARTBEAT));
        Handle a1 = await(fx.lock(a, "k1").acquire(EXCLUSIVE), "a's k1, on its shared session");
        Handle a2 = await(fx.lock(a, "k2").acquire(SHARED), "a's k2");
        Handle b2 = await(fx.lock(b, "k2").acquire(SHARED), "b's k2");
        Handle b4 = await(fx.lock(b, "k4").acquire(EXCLUSIVE), "b's k4");
        CompletableFuture<Handle> f4 = fx.lock(a, "k4").acquire(EXCLUSIVE);
        fx.awaitServerWait("a", fx.serverKey("k4"));
        b4.release();
        Handle a4 = await(f4, "a's k4, on a session that waited");
        Handle b3 = await(fx.lock(b, "k3").acquire(EXCLUSIVE), "b's k3");
        CompletableFuture<Handle> pending = fx.lock(a, "k3").acquire(EXCLUSIVE);
        fx.awaitServerWait("a", fx.serverKey("k3"));
        long tokenBefore = Lease.of(a1).fencingToken();
        List<Handle> held = List.of(a1, a2, b2, a4, b3);

        long t0 = System.nanoTime();
        fx.server().restart();
        long back = System.nanoTime();
        long deadline = back + LOSS_BOUND.toNanos();
        for (Handle h : held) {
            await(Lease.of(h).lost(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                    h + " lost by the restart");
            assertFalse(h.isHeld());
        }
        System.out.println("[restart] the restart took " + TimeUnit.NANOSECONDS.toMillis(back - t0)
                + " ms; every handle lost " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                - back) + " ms after the server was back");
        assertInstanceOf(PostgresLockException.class, awaitFailure(pending, LOSS_BOUND,
                "a's acquisition that waited on the server"));
        for (Handle h : held) {
            assertTrue(h.release(), "a lost handle is released once");
        }
        assertEquals(List.of(), fx.database().advisoryLocks(), "the restart dropped every lock");

        Handle again = await(fx.lock(a, "k1").acquire(EXCLUSIVE), "a's k1 after the restart");
        assertTrue(Lease.of(again).fencingToken() > tokenBefore,
                "tokens keep increasing across a restart");
        CompletableFuture<Handle> fb = fx.lock(b, "k1").acquire(EXCLUSIVE);
        fx.awaitServerWait("b", fx.serverKey("k1"));
        again.release();
        await(fb, "b's k1 after a's release, after the restart").release();
        await(fx.lock(b, "k2").acquire(SHARED), "b's k2 after the restart").release();
    }

    /**
     * An instance that has not noticed the restart yet (its heartbeat is a minute) still has its
     * shared session of before: an acquisition made once the server is back should work, not
     * fail because that session is dead (README: "new acquisitions work once the server is
     * back").
     */
    @Test
    void acquire_afterRestartBeforeHeartbeatNoticedIt_granted() {
        PostgresMultiLocks c = fx.open("c", o -> o.heartbeat(Duration.ofMinutes(1)));
        await(fx.lock(c, "warm-up").acquire(SHARED), "c's warm-up").release();
        Poll.until(SHOWS, () -> fx.connections("c"), n -> n == 2, "c's two sessions");
        fx.server().restart();
        Handle h = await(fx.lock(c, "k").acquire(EXCLUSIVE), "c's acquisition once the server is"
                + " back");
        assertTrue(h.isHeld());
        h.release();
    }
}
