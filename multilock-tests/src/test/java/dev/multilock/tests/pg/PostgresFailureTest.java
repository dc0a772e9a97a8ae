package dev.multilock.tests.pg;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.pg.PgInstances.SHOWS;
import static dev.multilock.tests.pg.PgInstances.await;
import static dev.multilock.tests.pg.PgInstances.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresLockException;
import dev.multilock.postgres.PostgresMultiLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The PostgreSQL backend when the database fails under it (API.md P5, P4), each with its bound:
 * a session killed with {@code pg_terminate_backend} loses exactly the handles it carried within
 * the heartbeat plus 1 s and the other instance goes on; a thousand acquisitions withdrawn at
 * random moments under contention leave no advisory lock and no extra session behind.
 *
 * <p>Not here: a server restart ({@link PostgresRestartFailureTest}, which must run alone) and a
 * killed process (the multi-process suite).
 */
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
final class PostgresFailureTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);
    /** P5: a lost session is noticed within the heartbeat plus one second. */
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

    private PostgresMultiLocks open(String name) {
        return fx.open(name, o -> o.heartbeat(HEARTBEAT));
    }

    /** Waits for the loss of {@code h} until {@code deadline}; returns when it was seen. */
    private static long awaitLoss(Handle h, long deadline, String what) {
        long left = Math.max(0, deadline - System.nanoTime());
        await(Lease.of(h).lost(), Duration.ofNanos(left), what + " is lost (isHeld " + h.isHeld()
                + ")");
        assertFalse(h.isHeld(), what + ": isHeld() once lost");
        return System.nanoTime();
    }

    @Test
    void terminateBackend_sharedSessionHoldingKeys_itsHandlesLostWithinBoundOtherGoesOn() {
        PostgresMultiLocks a = open("a");
        PostgresMultiLocks b = open("b");
        MultiLock la = fx.lock(a, "k1");
        Handle exclusive = await(la.acquire(EXCLUSIVE), "a's k1");
        Handle shared = await(fx.lock(a, "k2").acquire(SHARED), "a's k2");
        int pid = fx.locksOf("a", fx.serverKey("k1")).get(0).pid();
        assertEquals(pid, fx.locksOf("a", fx.serverKey("k2")).get(0).pid(),
                "free keys are taken on a's one shared session");
        CompletableFuture<Handle> waiting = fx.lock(b, "k1").acquire(EXCLUSIVE);
        fx.awaitServerWait("b", fx.serverKey("k1"));

        long killed = System.nanoTime(); // before the call, which waits for the end of the backend
        assertTrue(fx.server().terminateBackend(pid));
        long deadline = killed + LOSS_BOUND.toNanos();
        awaitLoss(exclusive, deadline, "a's EXCLUSIVE k1");
        long seen = awaitLoss(shared, deadline, "a's SHARED k2");
        System.out.println("[failure] shared session terminated: both handles lost after "
                + TimeUnit.NANOSECONDS.toMillis(seen - killed) + " ms (bound "
                + LOSS_BOUND.toMillis() + " ms)");

        Handle hb = await(waiting, "b, waiting for k1, goes on once a's session is gone");
        assertTrue(exclusive.release(), "a lost handle is released once");
        assertFalse(exclusive.release());
        assertTrue(shared.release());
        CompletableFuture<Handle> again = la.acquire(EXCLUSIVE);
        fx.awaitServerWait("a", fx.serverKey("k1"));
        hb.release();
        Handle ha = await(again, "a goes on too, on a new session");
        assertTrue(ha.isHeld() && !Lease.of(ha).lost().isDone());
        ha.release();
    }

    @Test
    void terminateBackend_dedicatedSessionHoldingKeyAfterWait_onlyItsHandleLost() {
        PostgresMultiLocks a = open("a");
        PostgresMultiLocks b = open("b");
        Handle other = await(fx.lock(a, "other").acquire(EXCLUSIVE), "a's other key");
        Handle hb = await(fx.lock(b, "k").acquire(EXCLUSIVE), "b's k");
        CompletableFuture<Handle> fa = fx.lock(a, "k").acquire(EXCLUSIVE);
        fx.awaitServerWait("a", fx.serverKey("k"));
        hb.release();
        Handle ha = await(fa, "a's k after b's release");
        int pid = fx.locksOf("a", fx.serverKey("k")).get(0).pid();
        assertNotEquals(pid, fx.locksOf("a", fx.serverKey("other")).get(0).pid(),
                "a key a waited for is held on the session that waited");

        long killed = System.nanoTime();
        assertTrue(fx.server().terminateBackend(pid));
        long seen = awaitLoss(ha, killed + LOSS_BOUND.toNanos(), "a's k");
        System.out.println("[failure] dedicated session terminated: its handle lost after "
                + TimeUnit.NANOSECONDS.toMillis(seen - killed) + " ms");
        assertTrue(other.isHeld(), "a handle on another session is not lost");
        assertFalse(Lease.of(other).lost().isDone());
        assertEquals(1, fx.locksOf("a", fx.serverKey("other")).size());

        Handle again = await(fx.lock(b, "k").acquire(EXCLUSIVE), "b takes k again");
        again.release();
        ha.release();
        other.release();
    }

    @Test
    void terminateBackend_sessionWaitingOnServer_acquisitionFailsWithPostgresLockException() {
        PostgresMultiLocks a = open("a");
        PostgresMultiLocks b = open("b");
        Handle hb = await(fx.lock(b, "k").acquire(EXCLUSIVE), "b's k");
        CompletableFuture<Handle> fa = fx.lock(a, "k").acquire(EXCLUSIVE);
        int pid = fx.awaitServerWait("a", fx.serverKey("k")).pid();
        assertTrue(fx.server().terminateBackend(pid));
        Throwable failure = awaitFailure(fa, LOSS_BOUND, "a's acquisition whose wait was killed");
        assertInstanceOf(PostgresLockException.class, failure);
        assertEquals(0, fx.lock(a, "k").queueLength());
        hb.release();
        Handle ha = await(fx.lock(a, "k").acquire(EXCLUSIVE), "a acquires again");
        ha.release();
    }

    /**
     * The listener's session is killed: no handle is lost (it holds no lock), and notifications
     * reach the instance again once the listener has reconnected (the heartbeat is a minute, so
     * only a notification can tell it of the release).
     */
    @Test
    void terminateBackend_listener_nothingLostNotificationsResume() {
        PostgresMultiLocks a = fx.open("a", o -> o.heartbeat(Duration.ofMinutes(1)));
        PostgresMultiLocks b = open("b");
        Handle held = await(fx.lock(a, "held").acquire(EXCLUSIVE), "a's key");
        int listener = fx.listenerPid("a");
        assertTrue(fx.server().terminateBackend(listener));
        Poll.until(SHOWS, () -> fx.listenerPid("a"), pid -> pid != listener,
                "a's listener is back on a new session");
        assertTrue(held.isHeld());
        assertFalse(Lease.of(held).lost().isDone());
        Handle hb = await(fx.lock(b, "k").acquire(EXCLUSIVE), "b's k");
        CompletableFuture<Void> acquirable = fx.lock(a, "k").whenAcquirable(EXCLUSIVE);
        assertEquals(Optional.empty(), fx.lock(a, "k").tryAcquire(SHARED));
        assertFalse(acquirable.isDone());
        hb.release();
        await(acquirable, Duration.ofSeconds(2), "a hears of b's release by notification");
        held.release();
    }

    /**
     * The shared session of an instance dies while it holds nothing, and an acquisition comes
     * before the heartbeat (a minute here; 2 s by default) has noticed: the session is only the
     * library's means, nothing of the request was on it, so the request should be served on a
     * new session rather than fail. (The same happens after a server restart:
     * {@link PostgresRestartFailureTest#acquire_afterRestartBeforeHeartbeatNoticedIt_granted}.)
     */
    @Test
    void acquire_idleSharedSessionKilledBeforeHeartbeatNoticed_grantedOnNewSession() {
        PostgresMultiLocks a = fx.open("a", o -> o.heartbeat(Duration.ofMinutes(1)));
        Handle first = await(fx.lock(a, "k").acquire(EXCLUSIVE), "a's first acquisition");
        int shared = fx.locksOf("a", fx.serverKey("k")).get(0).pid();
        first.release();
        fx.awaitNoLock("a", fx.serverKey("k"), SHOWS);
        assertTrue(fx.server().terminateBackend(shared));
        Handle h = await(fx.lock(a, "k").acquire(EXCLUSIVE), "a's acquisition after its idle shared"
                + " session was killed");
        assertTrue(h.isHeld());
        h.release();
    }

    /**
     * A thousand acquisitions by two instances of three keys (EXCLUSIVE, SHARED and NONE at
     * random), each withdrawn at a random moment (0 to 40 ms after the call, from a seeded
     * Random), the granted ones held 0 to 3 ms: no two instances ever hold a key in conflicting
     * modes, every request ends (granted or withdrawn, none failed), and once everything is
     * released, no advisory lock is left and each instance is back to its two sessions.
     */
    @Test
    void cancel_1000AcquisitionsAtRandomMomentsUnderContention_nothingLeft() throws Exception {
        long seed = 0x5EED_3C00L;
        int acquisitions = 1000;
        int inFlight = 16;
        Random random = new Random(seed);
        PostgresMultiLocks a = open("a");
        PostgresMultiLocks b = open("b");
        String[] keys = {"k0", "k1", "k2"};
        for (String name : List.of("a", "b")) {
            PostgresMultiLocks locks = name.equals("a") ? a : b;
            await(fx.lock(locks, "warm-up").acquire(SHARED), name + "'s warm-up").release();
            Poll.until(SHOWS, () -> fx.connections(name), n -> n == 2,
                    name + ": the shared session and the listener, the baseline");
        }
        AtomicInteger[] exclusive = new AtomicInteger[keys.length];
        AtomicInteger[] shared = new AtomicInteger[keys.length];
        for (int k = 0; k < keys.length; k++) {
            exclusive[k] = new AtomicInteger();
            shared[k] = new AtomicInteger();
        }
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger granted = new AtomicInteger();
        AtomicInteger withdrawn = new AtomicInteger();
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<Void>> ends = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        ServerQueueSampler sampler = new ServerQueueSampler(fx.database());
        long start = System.nanoTime();
        try {
            for (int i = 0; i < acquisitions; i++) {
                assertTrue(slots.tryAcquire(30, TimeUnit.SECONDS), "no request ended in 30 s");
                int k = random.nextInt(keys.length);
                boolean inA = random.nextBoolean();
                int kind = random.nextInt(10);
                MultiLockType type = kind < 7 ? EXCLUSIVE : kind < 9 ? SHARED : NONE;
                long cancelAfter = random.nextInt(41);
                long holdFor = random.nextInt(11);
                String who = "#" + i + " " + (inA ? "a" : "b") + " " + type + " " + keys[k];
                CompletableFuture<Handle> f = fx.lock(inA ? a : b, keys[k]).acquire(type);
                CompletableFuture<Void> end = new CompletableFuture<>();
                var unused = f.whenComplete((h, failure) -> {
                    if (h == null) {
                        if (!(failure instanceof CancellationException)) {
                            violations.add(who + " failed: " + failure);
                        }
                        withdrawn.incrementAndGet();
                        end.complete(null);
                        return;
                    }
                    granted.incrementAndGet();
                    enter(type, exclusive[k], shared[k], who, violations);
                    timer.schedule(() -> {
                        exit(type, exclusive[k], shared[k]);
                        h.release();
                        end.complete(null);
                    }, holdFor, TimeUnit.MILLISECONDS);
                });
                timer.schedule(() -> f.cancel(false), cancelAfter, TimeUnit.MILLISECONDS);
                var unusedToo = end.whenComplete((v, e) -> slots.release());
                ends.add(end);
            }
            await(CompletableFuture.allOf(ends.toArray(new CompletableFuture<?>[0])),
                    Duration.ofSeconds(60), "every request granted and released, or withdrawn");
        } finally {
            timer.shutdownNow();
            sampler.stop();
        }
        long ran = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("[failure] " + acquisitions + " acquisitions cancelled at random"
                + " moments (seed " + seed + "): " + granted + " granted first, " + withdrawn
                + " withdrawn, in " + ran + " ms; " + sampler);
        assertTrue(sampler.samplesWithWaiters() > 0, "requests waited on the server: " + sampler);
        assertEquals(List.of(), violations, "seed " + seed);
        assertTrue(granted.get() > 50 && withdrawn.get() > 50,
                "both outcomes happened: " + granted + " granted, " + withdrawn + " withdrawn");

        long released = System.nanoTime();
        Poll.until(Duration.ofSeconds(1), fx.database()::advisoryLocks, List::isEmpty,
                "no advisory lock left within 1 s of the last release (seed " + seed + ")");
        for (String name : List.of("a", "b")) {
            Poll.until(SHOWS, () -> fx.connections(name), n -> n == 2,
                    name + " back to its two sessions (seed " + seed + ")");
        }
        System.out.println("[failure] clean within "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released) + " ms");
        for (PostgresMultiLocks locks : List.of(a, b)) {
            for (String key : keys) {
                assertEquals(0, fx.lock(locks, key).queueLength(), key);
                assertEquals(NONE, fx.lock(locks, key).locked(), key);
            }
            Poll.until(SHOWS, () -> locks.keyed(fx.namespace()).size(), n -> n == 0,
                    "no key state kept once everything is released or withdrawn");
        }
    }

    /**
     * Looks at pg_locks again and again on a thread of its own until stopped, and counts the
     * requests it sees waiting on the server: evidence that a load reached the server's queue.
     */
    private static final class ServerQueueSampler {
        private final Thread thread;
        private volatile boolean stopped;
        private volatile int samples;
        private volatile int samplesWithWaiters;
        private volatile int mostWaiters;

        ServerQueueSampler(PostgresDatabase db) {
            thread = new Thread(() -> {
                while (!stopped) {
                    int waiters = (int) db.advisoryLocks().stream().filter(l -> !l.granted())
                            .count();
                    samples++; // one writer: this thread
                    if (waiters > 0) {
                        samplesWithWaiters++;
                    }
                    mostWaiters = Math.max(mostWaiters, waiters);
                }
            }, "pg_locks sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }

        int samplesWithWaiters() {
            return samplesWithWaiters;
        }

        @Override
        public String toString() {
            return "pg_locks sampled " + samples + " times, requests waiting on the server in "
                    + samplesWithWaiters + " samples, at most " + mostWaiters + " at once";
        }
    }

    private static void enter(MultiLockType type, AtomicInteger exclusive, AtomicInteger shared,
            String who, List<String> violations) {
        if (type == EXCLUSIVE) {
            int e = exclusive.incrementAndGet();
            int s = shared.get();
            if (e != 1 || s != 0) {
                violations.add(who + " granted beside " + (e - 1) + " EXCLUSIVE and " + s
                        + " SHARED");
            }
        } else if (type == SHARED) {
            shared.incrementAndGet();
            if (exclusive.get() != 0) {
                violations.add(who + " granted beside an EXCLUSIVE");
            }
        }
    }

    private static void exit(MultiLockType type, AtomicInteger exclusive, AtomicInteger shared) {
        if (type == EXCLUSIVE) {
            exclusive.decrementAndGet();
        } else if (type == SHARED) {
            shared.decrementAndGet();
        }
    }
}
