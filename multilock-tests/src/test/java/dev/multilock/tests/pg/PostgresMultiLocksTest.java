package dev.multilock.tests.pg;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.pg.PgInstances.DUE;
import static dev.multilock.tests.pg.PgInstances.SHOWS;
import static dev.multilock.tests.pg.PgInstances.advisoryKey;
import static dev.multilock.tests.pg.PgInstances.await;
import static dev.multilock.tests.pg.PgInstances.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresLockException;
import dev.multilock.postgres.PostgresMultiLocks;
import dev.multilock.tests.pg.PostgresServer.AdvisoryLock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * The rules P1 to P8 of API.md ("Beyond one JVM") as they show inside one JVM: two
 * {@link PostgresMultiLocks} instances on one database, "a" and "b", stand for two processes (each
 * has its own sessions, so the server queues and excludes them as it would two JVMs). One nested
 * group per rule, then bad input.
 *
 * <p>Every test opens its instances through {@link PgInstances}, which closes them after the test
 * and checks that no advisory lock and no session of them is left. Every wait is bounded; what
 * the server does is observed in {@code pg_locks} and {@code pg_stat_activity} with bounded polls.
 */
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
final class PostgresMultiLocksTest {

    private PgInstances fx;

    @BeforeEach
    void openFixture(PostgresDatabase db) {
        fx = new PgInstances(db);
    }

    @AfterEach
    void closeFixture() {
        fx.close();
    }

    private static Handle grant(CompletableFuture<Handle> f, String what) {
        return await(f, what);
    }

    /** Runs {@code sql}, a call of a void advisory-lock function on {@code key}. */
    private static void call(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, key);
            s.execute();
        }
    }

    /** The answer of {@code sql}, a call of a boolean advisory-lock function on {@code key}. */
    private static boolean ask(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, key);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next());
                return r.getBoolean(1);
            }
        }
    }

    // =============================================================================================

    /**
     * P1: exclusion across processes, first-in first-out inside a process, and NONE: waits while
     * another process holds EXCLUSIVE or is queued ahead on the server, then holds nothing.
     */
    @Nested
    final class P1ExclusionFifoNone {

        @Test
        void acquire_conflictingModeHeldByOtherInstance_waitsOnServerUntilReleased() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            MultiLockType[][] conflicts = {
                {EXCLUSIVE, EXCLUSIVE}, {EXCLUSIVE, SHARED}, {SHARED, EXCLUSIVE}};
            for (MultiLockType[] pair : conflicts) {
                String what = "a holds " + pair[0] + ", b asks " + pair[1];
                Handle ha = grant(la.acquire(pair[0]), what + ": a's grant");
                CompletableFuture<Handle> fb = lb.acquire(pair[1]);
                fx.awaitServerWait("b", key);
                assertFalse(fb.isDone(), what + ": b must wait while a holds");
                assertTrue(ha.release());
                Handle hb = grant(fb, what + ": b's grant after a's release");
                assertTrue(hb.isHeld());
                assertEquals(Optional.empty(), la.tryAcquire(pair[0]),
                        what + ": now b holds it, a's tryAcquire is refused");
                assertTrue(hb.release());
                fx.awaitNoLock("b", key, SHOWS);
            }
        }

        @Test
        void acquire_sharedHeldByOtherInstance_grantedAtOnceBesideIt() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            Handle ha = grant(fx.lock(a, "k").acquire(SHARED), "a's SHARED");
            Handle hb = grant(fx.lock(b, "k").acquire(SHARED), "b's SHARED beside a's");
            List<AdvisoryLock> rows = fx.locks(fx.serverKey("k"));
            assertEquals(2, rows.size(), "one shared server lock per instance: " + rows);
            assertTrue(rows.stream().allMatch(l -> l.granted() && l.isShared()), rows.toString());
            ha.release();
            hb.release();
        }

        @Test
        void acquire_mixedRequestsOfTwoInstances_neverOverlapExclusively() throws Exception {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            long seed = 0x5EED_0001L;
            int threadsPerInstance = 3;
            int rounds = 15;
            AtomicInteger exclusive = new AtomicInteger();
            AtomicInteger shared = new AtomicInteger();
            List<String> violations = Collections.synchronizedList(new ArrayList<>());
            ExecutorService threads = Executors.newFixedThreadPool(2 * threadsPerInstance);
            try {
                List<CompletableFuture<Void>> workers = new ArrayList<>();
                for (int t = 0; t < 2 * threadsPerInstance; t++) {
                    MultiLock l = fx.lock(t % 2 == 0 ? a : b, "k");
                    Random random = new Random(seed + t);
                    String who = (t % 2 == 0 ? "a" : "b") + t;
                    workers.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < rounds; i++) {
                            MultiLockType type = random.nextInt(3) == 0 ? SHARED : EXCLUSIVE;
                            Handle h = grant(l.acquire(type), who + " round " + i);
                            if (type == EXCLUSIVE) {
                                int e = exclusive.incrementAndGet();
                                int s = shared.get();
                                if (e != 1 || s != 0) {
                                    violations.add(who + " EXCLUSIVE beside " + (e - 1)
                                            + " EXCLUSIVE and " + s + " SHARED");
                                }
                                exclusive.decrementAndGet();
                            } else {
                                shared.incrementAndGet();
                                if (exclusive.get() != 0) {
                                    violations.add(who + " SHARED beside an EXCLUSIVE");
                                }
                                shared.decrementAndGet();
                            }
                            h.release();
                        }
                    }, threads));
                }
                await(CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])),
                        Duration.ofSeconds(40), "every worker's rounds");
            } finally {
                threads.shutdownNow();
            }
            assertEquals(List.of(), violations, "exclusion across instances (seed " + seed + ")");
        }

        @Test
        void acquire_queuedInOneInstance_grantedFirstInFirstOut() {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            Handle first = grant(la.acquire(EXCLUSIVE), "the first holder");
            List<Integer> order = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                int n = i;
                done.add(la.acquire(EXCLUSIVE).thenAccept(h -> {
                    order.add(n);
                    h.release();
                }));
            }
            assertEquals(8, la.queueLength());
            first.release();
            await(CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])),
                    "the queue runs through");
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), order);
        }

        @Test
        void acquire_sharedBehindQueuedExclusiveInOneInstance_doesNotBarge() {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            // an EXCLUSIVE grant first, so that the fencing table exists: see
            // P6Fencing.acquireExclusive_behindSharedHoldInDatabaseWithoutFencingTable_granted
            grant(fx.lock(a, "warm-up").acquire(EXCLUSIVE), "a first EXCLUSIVE").release();
            Handle reader = grant(la.acquire(SHARED), "the first reader");
            CompletableFuture<Handle> writer = la.acquire(EXCLUSIVE);
            assertEquals(Optional.empty(), la.tryAcquire(SHARED), "a writer waits: no barging");
            CompletableFuture<Handle> secondReader = la.acquire(SHARED);
            assertFalse(writer.isDone() || secondReader.isDone());
            reader.release();
            Handle w = grant(writer, "the writer, after the first reader");
            assertFalse(secondReader.isDone(), "the second reader waits for the writer");
            w.release();
            grant(secondReader, "the second reader, after the writer").release();
        }

        @Test
        void acquireNone_otherInstanceHoldsExclusive_waitsThenHoldsNothing() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            Handle hb = grant(lb.acquire(EXCLUSIVE), "b's EXCLUSIVE");
            CompletableFuture<Handle> none = la.acquire(NONE);
            AdvisoryLock waiting = fx.awaitServerWait("a", key);
            assertTrue(waiting.isShared(), "NONE waits on the server as a SHARED request");
            assertFalse(none.isDone());
            hb.release();
            Handle n = grant(none, "a's NONE after b's release");
            assertEquals(NONE, n.type());
            fx.awaitNoLock("a", key, SHOWS); // it holds nothing on the server...
            assertEquals(NONE, la.locked()); // ... nor here
            assertTrue(n.isHeld());
            Handle again = grant(lb.acquire(EXCLUSIVE), "b's EXCLUSIVE beside a's NONE");
            assertTrue(n.isHeld() && again.isHeld());
            again.release();
            assertTrue(n.release());
        }

        @Test
        void acquireNone_otherInstanceHoldsShared_grantedAtOnce() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            Handle hb = grant(fx.lock(b, "k").acquire(SHARED), "b's SHARED");
            Handle n = grant(fx.lock(a, "k").acquire(NONE), "a's NONE beside b's SHARED");
            fx.awaitNoLock("a", fx.serverKey("k"), SHOWS);
            n.release();
            hb.release();
        }

        @Test
        void acquireNone_exclusiveQueuedAheadOnServer_waitsForIt(PostgresDatabase db)
                throws SQLException {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            try (Connection other = db.dataSource().getConnection()) {
                call(other, "SELECT pg_advisory_lock_shared(?)", key); // a third process: SHARED
                CompletableFuture<Handle> writer = fx.lock(b, "k").acquire(EXCLUSIVE);
                fx.awaitServerWait("b", key);
                CompletableFuture<Handle> none = la.acquire(NONE);
                fx.awaitServerWait("a", key); // behind b's EXCLUSIVE, though only SHARED is held
                assertFalse(none.isDone(), "NONE waits while an EXCLUSIVE is queued ahead");
                assertTrue(ask(other, "SELECT pg_advisory_unlock_shared(?)", key));
                Handle w = grant(writer, "b's EXCLUSIVE");
                assertFalse(none.isDone(), "NONE waits while b holds EXCLUSIVE");
                w.release();
                grant(none, "a's NONE after b's release").release();
            }
        }

        @Test
        void downgrade_otherInstanceWaitsShared_letInBesideTheDowngradedHolder() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            long key = fx.serverKey("k");
            Handle writer = grant(fx.lock(a, "k").acquire(EXCLUSIVE), "a's EXCLUSIVE");
            CompletableFuture<Handle> reader = fx.lock(b, "k").acquire(SHARED);
            fx.awaitServerWait("b", key);
            assertTrue(writer.downgrade());
            Handle r = grant(reader, "b's SHARED once a's EXCLUSIVE is downgraded");
            assertTrue(writer.isHeld() && r.isHeld());
            assertEquals(SHARED, writer.type());
            List<AdvisoryLock> rows = Poll.until(SHOWS, () -> fx.locks(key),
                    ls -> ls.size() == 2, "a's and b's shared locks, nothing else");
            assertTrue(rows.stream().allMatch(l -> l.granted() && l.isShared()), rows.toString());
            CompletableFuture<Handle> writerB = fx.lock(b, "k").acquire(EXCLUSIVE);
            assertFalse(writerB.isDone(), "a still holds SHARED");
            writer.release();
            r.release();
            grant(writerB, "b's EXCLUSIVE once both readers are gone").release();
        }

        @Test
        void setAcquire_twoInstancesOppositeOrders_neverDeadlock() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLockSet setA = MultiLockSet.of(fx.lock(a, "k1"), fx.lock(a, "k2"),
                    fx.lock(a, "k3"));
            MultiLockSet setB = MultiLockSet.of(fx.lock(b, "k3"), fx.lock(b, "k2"),
                    fx.lock(b, "k1"));
            for (int round = 0; round < 10; round++) {
                CompletableFuture<Void> doneA = setA.acquire(EXCLUSIVE).thenAccept(Handle::release);
                CompletableFuture<Void> doneB = setB.acquire(EXCLUSIVE).thenAccept(Handle::release);
                await(CompletableFuture.allOf(doneA, doneB), "round " + round + ": both sets");
            }
        }

        @Test
        void acquireWithExecutor_waitedOnServer_completedOnThatExecutor() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "mine"));
            try {
                Handle hb = grant(fx.lock(b, "k").acquire(EXCLUSIVE), "b's EXCLUSIVE");
                CompletableFuture<Handle> fa = fx.lock(a, "k").acquire(EXCLUSIVE, mine);
                CompletableFuture<String> where = fa.thenApply(h -> {
                    h.release();
                    return Thread.currentThread().getName();
                });
                fx.awaitServerWait("a", fx.serverKey("k"));
                hb.release();
                assertEquals("mine", await(where, "a's grant"));
            } finally {
                mine.shutdownNow();
            }
        }
    }

    // =============================================================================================

    /**
     * P2: one server lock per key per process, shared by its local holders; an EXCLUSIVE hold
     * handed on inside the process; while another process waits, at most {@code handOffLimit}
     * more local grants or {@code handOffWindow}, whichever ends first; no server lock kept once
     * nothing here needs it.
     */
    @Nested
    final class P2OneServerLockPerKey {

        @Test
        void acquire_manySharedHoldersInEachInstance_oneServerLockPerInstance() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            long key = fx.serverKey("k");
            List<Handle> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                held.add(grant(fx.lock(a, "k").acquire(SHARED), "a's reader " + i));
                held.add(grant(fx.lock(b, "k").acquire(SHARED), "b's reader " + i));
            }
            assertEquals(1, fx.locksOf("a", key).size(), "a: " + fx.locks(key));
            assertEquals(1, fx.locksOf("b", key).size(), "b: " + fx.locks(key));
            assertEquals(2, fx.locks(key).size(), "nobody else: " + fx.locks(key));
            for (Handle h : held.subList(0, held.size() - 2)) {
                h.release();
            }
            assertEquals(2, fx.locks(key).size(), "one holder left per instance keeps its lock");
            held.get(held.size() - 2).release();
            held.get(held.size() - 1).release();
            Poll.until(SHOWS, () -> fx.locks(key), List::isEmpty,
                    "no server lock kept once no local holder needs it");
        }

        @Test
        void acquire_exclusiveHandedOnInsideInstance_oneServerLockOnOneSession() {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            Handle current = grant(la.acquire(EXCLUSIVE), "the first holder");
            List<CompletableFuture<Handle>> queued = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                queued.add(la.acquire(EXCLUSIVE));
            }
            List<AdvisoryLock> first = fx.locksOf("a", key);
            assertEquals(1, first.size(), first.toString());
            for (int i = 0; i < queued.size(); i++) {
                current.release();
                current = grant(queued.get(i), "hand-off " + i);
                List<AdvisoryLock> now = fx.locksOf("a", key);
                assertEquals(List.of(first.get(0)), now,
                        "hand-off " + i + " keeps the one server lock on the same session");
            }
            current.release();
            fx.awaitNoLock("a", key, SHOWS);
        }

        /**
         * With {@code handOffLimit} 4 and a window of a minute, instance a hands the key on as fast
         * as the test releases it while b waits on the server: b gets it after at most 4 local
         * grants, counted from the moment a has heard of b's wait.
         *
         * <p>That moment is made observable without a look inside: both instances hold a second
         * key "signal" SHARED, and a watches it (set, then cleared). b's release of "signal" is
         * announced after b's announcement of its wait for "k" (b announces a wait before it
         * queues, and the test releases "signal" only once b's wait shows in pg_locks), and a's
         * listener handles notifications in the order the server delivers them, so once a's
         * watch is set again, a has handled b's wait. (A heartbeat of a minute keeps a's periodic
         * look at the server out of it; it could only make a hear of the wait earlier.)
         */
        @Test
        void handOff_otherInstanceWaits_grantedAfterAtMostHandOffLimitLocalGrants() {
            int limit = 4;
            PostgresMultiLocks a = fx.open("a", o -> o.handOffLimit(limit)
                    .handOffWindow(Duration.ofMinutes(1)).heartbeat(Duration.ofMinutes(1)));
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            MultiLock signalA = fx.lock(a, "signal");
            Handle signalB = grant(fx.lock(b, "signal").acquire(SHARED), "b's signal");
            Handle signalHeld = grant(signalA.acquire(SHARED), "a's signal");
            fx.awaitListening("a");
            try (Watch signal = signalA.watch(SHARED)) {
                await(signal.awaitSet(), "a's watch of a SHARED its server lock covers");
                // the checks the watch's creation started run before this try is decided
                Handle barrier = signalA.tryAcquire(SHARED).orElseThrow();
                signal.clear();

                Handle first = grant(la.acquire(EXCLUSIVE), "a's first holder of k");
                CompletableFuture<Handle> fb = fx.lock(b, "k").acquire(EXCLUSIVE);
                fx.awaitServerWait("b", fx.serverKey("k"));
                signalB.release();
                await(signal.awaitSet(), "a hears of b's release of signal, after b's wait");
                assertFalse(fb.isDone());

                int grants = handOnUntil(la, first, fb, () -> fb.join().release(),
                        Duration.ofSeconds(20));
                System.out.println("[hand-off] handOffLimit " + limit + ": b let in after "
                        + grants + " local grants");
                assertTrue(grants <= limit, "a granted " + grants + " times after it heard of"
                        + " b's wait; handOffLimit " + limit);
                barrier.release();
            }
            signalHeld.release();
        }

        /**
         * With a large {@code handOffLimit} and a window of 200 ms, instance a hands the key on
         * continuously while b waits on the server: b gets it within the window plus 2 s (for
         * the notification and the round trips).
         */
        @Test
        void handOff_otherInstanceWaits_grantedWithinHandOffWindow() {
            Duration window = Duration.ofMillis(200);
            Duration bound = window.plusSeconds(2);
            PostgresMultiLocks a = fx.open("a", o -> o.handOffLimit(1_000_000)
                    .handOffWindow(window).heartbeat(Duration.ofMinutes(1)));
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            Handle first = grant(la.acquire(EXCLUSIVE), "a's first holder");
            fx.awaitListening("a");
            CompletableFuture<Handle> fb = fx.lock(b, "k").acquire(EXCLUSIVE);
            fx.awaitServerWait("b", fx.serverKey("k"));
            long from = System.nanoTime();
            int grants = handOnUntil(la, first, fb, () -> fb.join().release(), bound);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from);
            System.out.println("[hand-off] handOffWindow " + window.toMillis() + " ms: b let in"
                    + " after " + waited + " ms and " + grants + " local grants");
            assertTrue(grants > 0, "a kept handing on while b waited");
        }

        /**
         * A session that waits for the key without announcing it (a plain SQL session of
         * another tool) is found by a's heartbeat in pg_locks: it gets the key within the
         * heartbeat plus 2 s while a hands the key on continuously.
         */
        @Test
        void handOff_waiterThatAnnouncesNothing_letInAfterHeartbeatFindsIt(PostgresDatabase db)
                throws Exception {
            Duration heartbeat = Duration.ofMillis(300);
            PostgresMultiLocks a = fx.open("a", o -> o.handOffLimit(4)
                    .handOffWindow(Duration.ofMinutes(1)).heartbeat(heartbeat));
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            ExecutorService sql = Executors.newSingleThreadExecutor();
            try (Connection other = db.dataSource().getConnection()) {
                Handle first = grant(la.acquire(EXCLUSIVE), "a's first holder");
                CompletableFuture<Void> script = CompletableFuture.runAsync(() -> {
                    try {
                        call(other, "SELECT pg_advisory_lock(?)", key);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }, sql);
                Poll.until(SHOWS, () -> fx.locks(key), ls -> ls.stream().anyMatch(l -> !l
                        .granted()), "the script waits for the key");
                long from = System.nanoTime();
                int grants = handOnUntil(la, first, script, () -> {
                    try {
                        assertTrue(ask(other, "SELECT pg_advisory_unlock(?)", key));
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }, heartbeat.plusSeconds(2));
                System.out.println("[hand-off] a waiter that announces nothing: let in after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from) + " ms and "
                        + grants + " local grants");
            } finally {
                sql.shutdownNow();
            }
        }

        /**
         * Instance a hands the key on inside itself, one grant per step, keeping one more request
         * queued, until the other's request {@code other} is granted; then has {@code
         * releaseOther} let go of the other's grant, and releases a's requests. Fails if the other
         * is not let in within {@code bound}.
         *
         * @return how many local grants a made before the other's grant
         */
        private int handOnUntil(MultiLock la, Handle first, CompletableFuture<?> other,
                Runnable releaseOther, Duration bound) {
            long deadline = System.nanoTime() + bound.toNanos();
            Handle current = first;
            CompletableFuture<Handle> next = la.acquire(EXCLUSIVE);
            int grants = 0;
            for (;;) {
                CompletableFuture<Handle> after = la.acquire(EXCLUSIVE);
                current.release();
                await(CompletableFuture.anyOf(next, other), "a's next grant or the other's");
                if (other.isDone()) {
                    assertFalse(next.isDone(), "a and the other both hold k EXCLUSIVE");
                    releaseOther.run();
                    grant(next, "a's next request, after the other").release();
                    grant(after, "a's last request").release();
                    return grants;
                }
                grants++;
                current = next.join();
                next = after;
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the other not let in within " + bound.toMillis()
                            + " ms while a handed k on " + grants + " times");
                }
            }
        }
    }

    // =============================================================================================

    /**
     * P3: {@code (namespace, key)} maps to the advisory key that SHA-256 gives (computed in the
     * test independently), which other tools can use; names that collide add exclusion.
     */
    @Nested
    final class P3Keys {

        @Test
        void acquire_anyNamespaceAndKey_serverLockIsSha256PrefixOfNamespaceNulKey() {
            PostgresMultiLocks a = fx.open("a");
            String[] namespaces = {fx.namespace(), fx.namespace() + "/naïve ключ ✓"};
            String[] keys = {"k", "order/42", "", "ünïcödé ✓ 鍵", "\u0000", "a\u0000b"};
            for (String ns : namespaces) {
                for (String key : keys) {
                    long expected = advisoryKey(ns, key);
                    String what = "namespace " + ns + ", key " + key.replace("\u0000", "\\0");
                    MultiLock l = a.keyed(ns).get(key);
                    for (MultiLockType type : new MultiLockType[] {EXCLUSIVE, SHARED}) {
                        Handle h = grant(l.acquire(type), what);
                        List<AdvisoryLock> rows = fx.locksOf("a", expected);
                        assertEquals(1, rows.size(), what + ": " + fx.database().advisoryLocks());
                        AdvisoryLock row = rows.get(0);
                        assertEquals(expected >>> 32, row.classId(), what + ": classid");
                        assertEquals(expected & 0xFFFF_FFFFL, row.objId(), what + ": objid");
                        assertEquals(1, row.objSubId(), what + ": the one-bigint form");
                        assertTrue(row.granted(), what);
                        assertEquals(type == EXCLUSIVE ? "ExclusiveLock" : "ShareLock",
                                row.mode(), what);
                        h.release();
                        fx.awaitNoLock("a", expected, SHOWS);
                    }
                }
            }
        }

        @Test
        void advisoryKey_otherToolTakesSameKey_excludedBothWays(PostgresDatabase db)
                throws SQLException {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "shared with a script");
            long key = fx.serverKey("shared with a script");
            try (Connection script = db.dataSource().getConnection()) {
                Handle h = grant(la.acquire(EXCLUSIVE), "a's EXCLUSIVE");
                assertFalse(ask(script, "SELECT pg_try_advisory_lock_shared(?)", key),
                        "the script cannot take the key a holds");
                h.release();
                fx.awaitNoLock("a", key, SHOWS);
                assertTrue(ask(script, "SELECT pg_try_advisory_lock(?)", key));
                assertEquals(Optional.empty(), la.tryAcquire(SHARED),
                        "a cannot take the key the script holds");
                CompletableFuture<Handle> f = la.acquire(SHARED);
                fx.awaitServerWait("a", key);
                assertTrue(ask(script, "SELECT pg_advisory_unlock(?)", key));
                grant(f, "a's SHARED after the script's release").release();
            }
        }

        @Test
        void keyed_equalNamespacesAndKeys_sameFamilyEqualLocks() {
            PostgresMultiLocks a = fx.open("a");
            KeyedMultiLock<String> family = a.keyed(fx.namespace());
            assertSame(family, a.keyed(new String(fx.namespace())));
            MultiLock one = family.get("k");
            MultiLock two = family.get(new String("k"));
            assertEquals(one, two);
            assertEquals(one.hashCode(), two.hashCode());
            assertNotEquals(one, family.get("other"));
            Handle h = grant(one.acquire(EXCLUSIVE), "through one");
            assertEquals(Optional.empty(), two.tryAcquire(SHARED), "one lock: excluded");
            assertEquals(one, h.lock());
            assertEquals(1, family.size());
            assertTrue(two.release(h), "released through the other equal lock");
            Poll.until(SHOWS, family::size, n -> n == 0, "no state kept for a released key");
        }

        @Test
        void acquire_namesThatCollide_excludeEachOtherAcrossInstances() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            // namespace + NUL + key is the same string for both names
            String ns1 = fx.namespace() + "\u0000x";
            String key1 = "y";
            String ns2 = fx.namespace();
            String key2 = "x\u0000y";
            long key = advisoryKey(ns1, key1);
            assertEquals(key, advisoryKey(ns2, key2));
            Handle ha = grant(a.keyed(ns1).get(key1).acquire(EXCLUSIVE), "a's name");
            CompletableFuture<Handle> fb = b.keyed(ns2).get(key2).acquire(EXCLUSIVE);
            fx.awaitServerWait("b", key);
            assertFalse(fb.isDone(), "a colliding name only adds exclusion");
            ha.release();
            grant(fb, "b's name after a's release").release();
        }
    }

    // =============================================================================================

    /**
     * P4: withdrawing a request that waits on the server cancels it there, and within 1 s the
     * server holds no lock for it, unless other local requests still need the key.
     */
    @Nested
    final class P4Cancellation {

        private static final Duration P4_BOUND = Duration.ofSeconds(1);

        @Test
        void cancel_requestWaitingOnServer_noLockForItWithin1sConnectionGivenBack() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            long key = fx.serverKey("k");
            Handle ha = grant(fx.lock(a, "k").acquire(EXCLUSIVE), "a's EXCLUSIVE");
            CompletableFuture<Handle> fb = fx.lock(b, "k").acquire(EXCLUSIVE);
            fx.awaitServerWait("b", key);
            Poll.until(SHOWS, () -> fx.connections("b"), n -> n == 3,
                    "b: the shared session, the listener, the session that waits");
            assertTrue(fb.cancel(false));
            fx.awaitNoLock("b", key, P4_BOUND);
            assertEquals(1, fx.locksOf("a", key).size(), "a still holds the key");
            Poll.until(SHOWS, () -> fx.connections("b"), n -> n == 2,
                    "b gives back the session that waited");
            assertEquals(0, fx.lock(b, "k").queueLength());
            ha.release();
        }

        @Test
        void withdraw_byTimeoutOrOutsideCompletion_noLockForItWithin1s() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            Handle ha = grant(fx.lock(a, "k").acquire(EXCLUSIVE), "a's EXCLUSIVE");

            CompletableFuture<Handle> timed = lb.acquire(EXCLUSIVE);
            fx.awaitServerWait("b", key);
            var unused = timed.orTimeout(10, TimeUnit.MILLISECONDS);
            assertInstanceOf(TimeoutException.class,
                    awaitFailure(timed, DUE, "b's request that timed out"));
            fx.awaitNoLock("b", key, P4_BOUND);

            CompletableFuture<Handle> failed = lb.acquire(SHARED);
            fx.awaitServerWait("b", key);
            assertTrue(failed.completeExceptionally(new IllegalStateException("given up")));
            fx.awaitNoLock("b", key, P4_BOUND);

            assertEquals(0, lb.queueLength());
            ha.release();
        }

        @Test
        void cancel_serverWaiterWithLocalRequestBehind_waitGoesOnForTheOther() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            Handle ha = grant(fx.lock(a, "k").acquire(EXCLUSIVE), "a's EXCLUSIVE");
            CompletableFuture<Handle> first = lb.acquire(EXCLUSIVE);
            fx.awaitServerWait("b", key);
            CompletableFuture<Handle> second = lb.acquire(EXCLUSIVE);
            assertEquals(2, lb.queueLength());
            assertTrue(first.cancel(false));
            assertEquals(1, lb.queueLength());
            ha.release();
            Handle hb = grant(second, "b's second request, which still needed the key");
            assertTrue(hb.isHeld());
            hb.release();
        }

        /**
         * A request of b is withdrawn at a random moment of its way to the server (the try, the
         * opening of the session that waits, the announcement, the wait) while a holds the key,
         * 60 times: each time, within 1 s b holds or awaits no lock of the key, and b's session
         * count returns to its two (a session that waits nobody needs is a wait the server still
         * has).
         *
         * <p>A third of the moments are 0 to 25 ms after the call. The others are 0 to 1.5 ms
         * after b's session for the wait shows in pg_stat_activity (a key waited for costs one
         * session, as the class notes of PostgresMultiLocks say): the moments between the opening
         * of that session and the start of its wait last about a round trip, too short to be met
         * often at random.
         */
        @Test
        void cancel_atRandomMomentsWhileOtherHolds_noLockForItWithin1sEachTime() {
            long seed = 0x5EED_0004L;
            Random random = new Random(seed);
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            grant(fx.lock(b, "warm-up").acquire(SHARED), "b's warm-up").release();
            Poll.until(SHOWS, () -> fx.connections("b"), n -> n == 2, "b's two sessions");
            Handle ha = grant(fx.lock(a, "k").acquire(EXCLUSIVE), "a's EXCLUSIVE");
            for (int i = 0; i < 60; i++) {
                CompletableFuture<Handle> fb = lb.acquire(random.nextBoolean() ? EXCLUSIVE
                        : SHARED);
                long from = System.nanoTime();
                String what = "iteration " + i + " (seed " + Long.toHexString(seed) + "), ";
                if (random.nextInt(3) == 0) {
                    spin(TimeUnit.MICROSECONDS.toNanos(random.nextInt(25_000)));
                    what += "cancelled ";
                } else {
                    long deadline = from + SHOWS.toNanos();
                    while (fx.connections("b") < 3) { // as often as the server answers
                        assertTrue(System.nanoTime() - deadline < 0, what + "no session waits");
                    }
                    spin(TimeUnit.MICROSECONDS.toNanos(random.nextInt(1_500)));
                    what += "cancelled after the session for the wait opened, ";
                }
                what += TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - from) + " µs after"
                        + " the call";
                assertTrue(fb.cancel(false), what + ": a holds the key, b cannot have it");
                Poll.until(P4_BOUND, () -> fx.locksOf("b", key), List::isEmpty,
                        what + ": b holds or awaits no lock of the key within 1 s");
                try {
                    Poll.until(SHOWS, () -> fx.connections("b"), n -> n == 2,
                            what + ": b keeps no session for a wait nobody needs");
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; b's locks of the key now: "
                            + fx.locksOf("b", key), e);
                }
                assertEquals(List.of(), fx.locksOf("b", key), what);
            }
            assertEquals(0, lb.queueLength());
            ha.release();
        }

        /** Busy-waits {@code nanos}: the moment of a cancellation, at random. */
        private void spin(long nanos) {
            long until = System.nanoTime() + nanos;
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        }
    }

    // =============================================================================================

    /**
     * P5 inside one JVM: {@code lost()} is cancelled when the handle is released before any loss
     * and cannot be completed from outside; {@code close()} loses every handle, fails every
     * pending acquisition with {@link PostgresLockException}, and leaves no advisory lock and no
     * session. (Killed sessions and restarts: {@link PostgresFailureTest},
     * {@link PostgresRestartFailureTest}.)
     */
    @Nested
    final class P5LostAndClose {

        @Test
        void lost_handleReleasedNormally_isCancelled() {
            PostgresMultiLocks a = fx.open("a");
            for (MultiLockType type : MultiLockType.values()) {
                Handle h = grant(fx.lock(a, "k").acquire(type), type.toString());
                CompletableFuture<Void> lost = Lease.of(h).lost();
                assertFalse(lost.isDone(), type + ": not lost while held");
                assertTrue(h.release());
                assertTrue(lost.isCancelled(), type + ": released before any loss");
                assertFalse(h.isHeld());
            }
        }

        @Test
        void lost_completedFromOutside_throwsAndStaysPending() {
            PostgresMultiLocks a = fx.open("a");
            Handle h = grant(fx.lock(a, "k").acquire(EXCLUSIVE), "a's EXCLUSIVE");
            CompletableFuture<Void> lost = Lease.of(h).lost();
            List<Executable> outside = List.of(
                    () -> lost.complete(null),
                    () -> lost.completeExceptionally(new IllegalStateException()),
                    () -> lost.cancel(true),
                    () -> lost.obtrudeValue(null),
                    () -> lost.obtrudeException(new IllegalStateException()),
                    () -> lost.completeAsync(() -> null),
                    () -> lost.completeAsync(() -> null, Runnable::run),
                    () -> lost.orTimeout(1, TimeUnit.MILLISECONDS),
                    () -> lost.completeOnTimeout(null, 1, TimeUnit.MILLISECONDS),
                    () -> lost.toCompletableFuture().complete(null));
            for (Executable e : outside) {
                assertThrows(UnsupportedOperationException.class, e);
            }
            assertFalse(lost.isDone(), "nothing from outside completed it");
            CompletableFuture<String> dependent = lost.thenApply(v -> "lost");
            assertTrue(dependent.complete("a dependent stage is a plain future"));
            assertTrue(h.isHeld());
            h.release();
            assertTrue(lost.isCancelled());
        }

        @Test
        void close_heldHandlesAndServerWaiter_lostFailedAndNothingLeft() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            Handle exclusive = grant(fx.lock(a, "k1").acquire(EXCLUSIVE), "a's k1");
            Handle shared = grant(fx.lock(a, "k2").acquire(SHARED), "a's k2");
            Handle none = grant(fx.lock(a, "k2").acquire(NONE), "a's NONE of k2");
            Handle hb = grant(fx.lock(b, "k3").acquire(EXCLUSIVE), "b's k3");
            CompletableFuture<Handle> waiting = fx.lock(a, "k3").acquire(EXCLUSIVE);
            fx.awaitServerWait("a", fx.serverKey("k3"));
            Watch watch = fx.lock(a, "k4").watch(EXCLUSIVE);
            Poll.until(SHOWS, () -> fx.connections("a"), n -> n == 3,
                    "a: the shared session, the listener, the session that waits");

            a.close();

            for (Handle h : List.of(exclusive, shared)) {
                await(Lease.of(h).lost(), Duration.ofSeconds(1), h + ": lost by close()");
                assertFalse(h.isHeld());
            }
            assertInstanceOf(PostgresLockException.class,
                    awaitFailure(waiting, Duration.ofSeconds(1), "a's pending acquisition"));
            for (String k : List.of("k1", "k2", "k3")) {
                assertEquals(List.of(), fx.locksOf("a", fx.serverKey(k)), k + ": a leaves no lock");
            }
            Poll.until(Duration.ofSeconds(2), () -> fx.connections("a"), n -> n == 0,
                    "close() returns once every session of a is closed");
            assertTrue(fx.lock(b, "k1").tryAcquire(EXCLUSIVE).map(Handle::release).orElse(false),
                    "b takes a's key at once");
            assertEquals(1, fx.locks(fx.serverKey("k3")).size(), "b's k3 only");
            none.release(); // a NONE handle holds nothing on the server, and is not lost
            assertTrue(exclusive.release(), "a lost handle is released once");
            assertFalse(exclusive.release());
            watch.close();
            hb.release();
            a.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> a.keyed("x"));
            assertThrows(IllegalStateException.class, () -> fx.lock(a, "k5").acquire(SHARED));
        }

        @Test
        void close_requestQueuedBehindLocalHolder_failsWithPostgresLockException() {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            Handle held = grant(la.acquire(EXCLUSIVE), "a's EXCLUSIVE");
            CompletableFuture<Handle> queued = la.acquire(EXCLUSIVE);
            assertEquals(1, la.queueLength());
            a.close();
            assertFalse(held.isHeld());
            assertInstanceOf(PostgresLockException.class, awaitFailure(queued,
                    Duration.ofSeconds(2), "a request queued in a behind a holder, after close()"));
        }

        @Test
        void close_thenLostHandleReleased_queuedRequestIsNotGrantedBesideOtherInstance() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            Handle held = grant(la.acquire(EXCLUSIVE), "a's EXCLUSIVE");
            CompletableFuture<Handle> queued = la.acquire(EXCLUSIVE);
            a.close();
            Handle hb = grant(fx.lock(b, "k").acquire(EXCLUSIVE), "b's EXCLUSIVE after a closed");
            held.release(); // the application lets go of its lost handle: a's queue moves on
            try {
                Throwable failure = awaitFailure(queued, Duration.ofSeconds(2),
                        "a's queued request, once a is closed and its lost holder released");
                assertInstanceOf(PostgresLockException.class, failure);
            } finally {
                queued.thenAccept(Handle::release);
                hb.release();
            }
        }
    }

    // =============================================================================================

    /**
     * P6: every EXCLUSIVE grant of a key, in any process and at every hand-off inside one, gets a
     * greater fencing token; a SHARED or NONE grant carries one at least the last EXCLUSIVE
     * grant's and below the next one's (0 before any). The store that uses them:
     * {@link PostgresFencingExampleTest}.
     */
    @Nested
    final class P6Fencing {

        private record Grant(String who, MultiLockType type, long token) {}

        @Test
        void fencingToken_freshKey_sharedAndNoneCarryZero() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            Handle s = grant(fx.lock(a, "fresh").acquire(SHARED), "SHARED");
            Handle n = grant(fx.lock(b, "fresh").acquire(NONE), "NONE");
            assertEquals(0, Lease.of(s).fencingToken());
            assertEquals(0, Lease.of(n).fencingToken());
            s.release();
            n.release();
            Handle e = grant(fx.lock(b, "fresh").acquire(EXCLUSIVE), "the first EXCLUSIVE");
            assertTrue(Lease.of(e).fencingToken() > 0);
            e.release();
        }

        /**
         * The first EXCLUSIVE request of a database (no fencing table yet) that reaches an
         * instance while the instance holds the key SHARED, as a writer queued behind a reader
         * does: granted once the reader is gone, like any other.
         */
        @Test
        void acquireExclusive_behindSharedHoldInDatabaseWithoutFencingTable_granted(
                PostgresServer server) {
            PostgresDatabase fresh = server.newDatabase("no_fencing_table");
            String app = fx.app("fresh");
            try (PostgresMultiLocks a = PostgresMultiLocks.builder(fresh.dataSource(app))
                    .heartbeat(PgInstances.HEARTBEAT).build()) {
                MultiLock l = a.keyed(fx.namespace()).get("k");
                Handle reader = grant(l.acquire(SHARED), "the reader");
                CompletableFuture<Handle> writer = l.acquire(EXCLUSIVE);
                reader.release();
                Handle w = grant(writer, "the writer queued behind the reader, the first"
                        + " EXCLUSIVE request in its database");
                assertTrue(Lease.of(w).fencingToken() > 0);
                w.release();
            }
            Poll.until(SHOWS, fresh::advisoryLocks, List::isEmpty, "no lock left");
            Poll.until(SHOWS, () -> server.connectionCount(app), n -> n == 0, "no session left");
        }

        /**
         * A seeded random sequence of grants of one key, one after another: single EXCLUSIVE
         * grants in either instance, bursts handed on inside one instance, SHARED and NONE
         * grants, and downgrades followed by a SHARED grant.
         */
        @Test
        void fencingToken_grantsAcrossInstancesAndHandOffs_exclusiveIncreaseOthersBetween() {
            long seed = 0x5EED_0006L;
            Random random = new Random(seed);
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            List<Grant> grants = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                boolean inA = random.nextBoolean();
                String who = (inA ? "a" : "b") + "@" + step;
                MultiLock l = fx.lock(inA ? a : b, "k");
                switch (random.nextInt(5)) {
                    case 0 -> record(grants, who, grant(l.acquire(EXCLUSIVE), who)).release();
                    case 1 -> {
                        Handle first = grant(l.acquire(EXCLUSIVE), who);
                        List<CompletableFuture<Handle>> burst = List.of(l.acquire(EXCLUSIVE),
                                l.acquire(EXCLUSIVE), l.acquire(EXCLUSIVE));
                        record(grants, who, first).release();
                        for (CompletableFuture<Handle> f : burst) {
                            record(grants, who + " hand-off", grant(f, who)).release();
                        }
                    }
                    case 2 -> record(grants, who, grant(l.acquire(SHARED), who)).release();
                    case 3 -> record(grants, who, grant(l.acquire(NONE), who)).release();
                    default -> {
                        Handle w = record(grants, who, grant(l.acquire(EXCLUSIVE), who));
                        assertTrue(w.downgrade());
                        Handle r = record(grants, who + " after downgrade",
                                grant(l.acquire(SHARED), who));
                        assertEquals(Lease.of(w).fencingToken(), Lease.of(r).fencingToken(),
                                who + ": a SHARED grant beside a downgraded EXCLUSIVE carries"
                                        + " its token");
                        w.release();
                        r.release();
                    }
                }
            }
            checkTokens(grants, seed);
        }

        private Handle record(List<Grant> grants, String who, Handle h) {
            MultiLockType type = h.type();
            grants.add(new Grant(who, type, Lease.of(h).fencingToken()));
            return h;
        }

        private void checkTokens(List<Grant> grants, long seed) {
            String all = "seed " + seed + ", grants in order: " + grants;
            long lastExclusive = 0;
            for (int i = 0; i < grants.size(); i++) {
                Grant g = grants.get(i);
                if (g.type() == EXCLUSIVE) {
                    assertTrue(g.token() > lastExclusive, g + " not above the last EXCLUSIVE "
                            + lastExclusive + "; " + all);
                    lastExclusive = g.token();
                } else {
                    assertTrue(g.token() >= lastExclusive, g + " below the last EXCLUSIVE "
                            + lastExclusive + "; " + all);
                    for (Grant later : grants.subList(i + 1, grants.size())) {
                        if (later.type() == EXCLUSIVE) {
                            assertTrue(g.token() < later.token(), g + " not below the next"
                                    + " EXCLUSIVE " + later + "; " + all);
                            break;
                        }
                    }
                }
            }
            assertTrue(grants.stream().filter(g -> g.type() == EXCLUSIVE).count() > 10, all);
        }
    }

    // =============================================================================================

    /**
     * P7: {@code watch} and {@code whenAcquirable} see releases made by another process: by
     * notification, and by the heartbeat's look when the other process's session dies without
     * a word.
     */
    @Nested
    final class P7Watches {

        @Test
        void whenAcquirableAndWatch_otherInstanceReleases_seenWithoutHeartbeat() {
            PostgresMultiLocks a = fx.open("a", o -> o.heartbeat(Duration.ofMinutes(1)));
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            Handle hb = grant(fx.lock(b, "k").acquire(EXCLUSIVE), "b's EXCLUSIVE");
            CompletableFuture<Void> acquirable = la.whenAcquirable(EXCLUSIVE);
            try (Watch watch = la.watch(SHARED)) {
                fx.awaitListening("a");
                // a round trip on a's shared session, after the checks the watches started
                assertEquals(Optional.empty(), la.tryAcquire(SHARED));
                assertFalse(acquirable.isDone(), "b holds the key");
                assertFalse(watch.isSet(), "b holds the key");
                hb.release();
                await(acquirable, Duration.ofSeconds(2), "whenAcquirable after b's release");
                await(watch.awaitSet(), Duration.ofSeconds(2), "the watch after b's release");
                assertEquals(List.of(), fx.locksOf("a", key), "watching acquires nothing");
            }
        }

        @Test
        void whenAcquirableAndWatch_otherInstanceSessionKilled_seenWithinHeartbeatPlus1s() {
            Duration heartbeat = Duration.ofMillis(300);
            PostgresMultiLocks a = fx.open("a", o -> o.heartbeat(heartbeat));
            PostgresMultiLocks b = fx.open("b", o -> o.heartbeat(heartbeat));
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            Handle hb = grant(fx.lock(b, "k").acquire(EXCLUSIVE), "b's EXCLUSIVE");
            CompletableFuture<Void> acquirable = la.whenAcquirable(EXCLUSIVE);
            try (Watch watch = la.watch(EXCLUSIVE)) {
                int pid = fx.locksOf("b", key).get(0).pid();
                assertFalse(acquirable.isDone() || watch.isSet(), "b holds the key");
                assertTrue(fx.server().terminateBackend(pid));
                Duration bound = heartbeat.plusSeconds(1);
                await(acquirable, bound, "whenAcquirable after b's session died");
                await(watch.awaitSet(), bound, "the watch after b's session died");
                await(Lease.of(hb).lost(), bound, "b's handle is lost");
            }
            hb.release();
        }

        /**
         * Advisory locks belong to a database: a session of another database of the same server
         * that holds the same 64-bit key keeps nobody here out, so a tryAcquire here succeeds and
         * so must be acquirable.
         */
        @Test
        void whenAcquirable_sameKeyHeldInAnotherDatabase_completesAtOnce(PostgresServer server)
                throws SQLException {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            PostgresDatabase elsewhere = server.newDatabase("elsewhere");
            try (Connection other = elsewhere.dataSource().getConnection()) {
                call(other, "SELECT pg_advisory_lock(?)", key);
                CompletableFuture<Void> acquirable = la.whenAcquirable(EXCLUSIVE);
                try {
                    await(acquirable, Duration.ofSeconds(2),
                            "whenAcquirable while only another database holds the key");
                } finally {
                    acquirable.cancel(false);
                    Optional<Handle> h = la.tryAcquire(EXCLUSIVE);
                    System.out.println("[P7] tryAcquire while another database holds the key: "
                            + h);
                    h.ifPresent(Handle::release);
                }
            }
        }
    }

    // =============================================================================================

    /**
     * P8: {@code tryAcquire} never queues: decided by this process's server lock when it has one,
     * else by one {@code pg_try_advisory_lock*}, which also refuses while another session waits;
     * {@code locked()}, {@code queueLength()} and {@code toString()} are this process's view.
     */
    @Nested
    final class P8TryAcquireAndViews {

        @Test
        void tryAcquire_otherInstanceHoldsExclusive_refusedInEveryModeAndNothingLeft() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            Handle hb = grant(lb.acquire(EXCLUSIVE), "b's EXCLUSIVE");
            for (MultiLockType type : MultiLockType.values()) {
                assertEquals(Optional.empty(), la.tryAcquire(type), type.toString());
            }
            assertEquals(List.of(), fx.locksOf("a", key), "a refused try leaves nothing");
            assertEquals(NONE, la.locked(), "a's view: nothing held here");
            assertEquals(0, la.queueLength());
            assertEquals(EXCLUSIVE, lb.locked(), "b's view");
            assertEquals(0, lb.queueLength());
            assertTrue(la.toString().contains("NONE"), la.toString());
            assertTrue(lb.toString().contains("EXCLUSIVE"), lb.toString());
            assertNotEquals(la, lb, "locks of two instances are two locks");
            hb.release();
        }

        @Test
        void tryAcquire_otherInstanceWaitsBehindThirdSession_refused(PostgresDatabase db)
                throws SQLException {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            MultiLock lb = fx.lock(b, "k");
            long key = fx.serverKey("k");
            try (Connection other = db.dataSource().getConnection()) {
                call(other, "SELECT pg_advisory_lock_shared(?)", key);
                assertTrue(la.tryAcquire(SHARED).map(Handle::release).orElse(false),
                        "SHARED beside SHARED, nobody waiting");
                fx.awaitNoLock("a", key, SHOWS);
                CompletableFuture<Handle> fb = lb.acquire(EXCLUSIVE);
                fx.awaitServerWait("b", key);
                assertEquals(1, lb.queueLength());
                assertEquals(Optional.empty(), la.tryAcquire(SHARED), "b waits: no barging");
                assertEquals(Optional.empty(), la.tryAcquire(NONE), "b waits: no barging");
                assertEquals(List.of(), fx.locksOf("a", key));
                assertTrue(ask(other, "SELECT pg_advisory_unlock_shared(?)", key));
                grant(fb, "b's EXCLUSIVE").release();
            }
        }

        @Test
        void tryAcquireNone_otherInstanceHoldsShared_grantedAndHoldsNothing() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            Handle hb = grant(fx.lock(b, "k").acquire(SHARED), "b's SHARED");
            Handle none = fx.lock(a, "k").tryAcquire(NONE).orElseThrow();
            fx.awaitNoLock("a", fx.serverKey("k"), SHOWS);
            assertTrue(none.isHeld());
            none.release();
            hb.release();
        }

        @Test
        void tryAcquire_ownServerLockCovers_grantedOnIt() {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            long key = fx.serverKey("k");
            Handle first = grant(la.acquire(SHARED), "a's SHARED");
            Handle second = la.tryAcquire(SHARED).orElseThrow();
            Handle none = la.tryAcquire(NONE).orElseThrow();
            assertEquals(1, fx.locksOf("a", key).size(), "one server lock for all three");
            assertEquals(Optional.empty(), la.tryAcquire(EXCLUSIVE), "held SHARED here");
            first.release();
            second.release();
            none.release();
        }

        @Test
        void views_requestWaitingOnServer_queuedHereNothingHeldHere() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            MultiLock lb = fx.lock(b, "k");
            Handle hb = grant(lb.acquire(EXCLUSIVE), "b's EXCLUSIVE");
            CompletableFuture<Handle> fa = la.acquire(EXCLUSIVE);
            fx.awaitServerWait("a", fx.serverKey("k"));
            System.out.println("[P8] a waiting on the server: " + la);
            assertEquals(1, la.queueLength(), la.toString());
            assertEquals(0, lb.queueLength(), "b's view: nobody queued in b");
            assertEquals(EXCLUSIVE, lb.locked());
            try {
                assertEquals(NONE, la.locked(), "nobody holds the key in a, its request waits: "
                        + la);
            } finally {
                hb.release();
                grant(fa, "a's request").release();
            }
        }

        @Test
        void tryAcquire_rightAfterOwnReleaseNobodyElse_succeeds() {
            PostgresMultiLocks a = fx.open("a");
            MultiLock la = fx.lock(a, "k");
            for (MultiLockType type : new MultiLockType[] {EXCLUSIVE, SHARED, EXCLUSIVE}) {
                Handle h = grant(la.acquire(type), type.toString());
                assertTrue(h.release());
                Optional<Handle> again = la.tryAcquire(type);
                try {
                    assertTrue(again.isPresent(), "tryAcquire(" + type + ") right after this"
                            + " process released the key, which nobody else holds or awaits: "
                            + la);
                } finally {
                    again.ifPresent(Handle::release);
                    fx.awaitNoLock("a", fx.serverKey("k"), SHOWS);
                }
            }
        }
    }

    // =============================================================================================

    /**
     * Bad input: {@code null} gets a {@link NullPointerException} naming the parameter, a bad
     * duration or limit an {@link IllegalArgumentException}, a handle of another lock an
     * {@link IllegalArgumentException}; nothing changes.
     */
    @Nested
    final class BadInput {

        private void assertNpe(String parameter, Executable call) {
            NullPointerException e = assertThrows(NullPointerException.class, call);
            assertEquals(parameter, e.getMessage(), "the message names the parameter");
        }

        @Test
        void nullArguments_nullPointerNamingParameter_nothingChanges(PostgresDatabase db) {
            assertNpe("dataSource", () -> PostgresMultiLocks.create(null));
            assertNpe("dataSource", () -> PostgresMultiLocks.builder(null));
            PostgresMultiLocks.Builder builder = PostgresMultiLocks.builder(db.dataSource());
            assertNpe("heartbeat", () -> builder.heartbeat(null));
            assertNpe("handOffWindow", () -> builder.handOffWindow(null));
            assertNpe("executor", () -> builder.executor(null));

            PostgresMultiLocks a = fx.open("a");
            KeyedMultiLock<String> family = a.keyed(fx.namespace());
            MultiLock la = family.get("k");
            Supplier<CompletableFuture<String>> action =
                    () -> CompletableFuture.completedFuture("");
            assertNpe("namespace", () -> a.keyed(null));
            assertNpe("key", () -> family.get(null));
            assertNpe("type", () -> la.acquire(null));
            assertNpe("type", () -> la.acquire(null, Runnable::run));
            assertNpe("executor", () -> la.acquire(EXCLUSIVE, null));
            assertNpe("type", () -> la.tryAcquire(null));
            assertNpe("handle", () -> la.release(null));
            assertNpe("type", () -> la.watch(null));
            assertNpe("type", () -> la.whenAcquirable(null));
            assertNpe("type", () -> la.withLock(null, action));
            assertNpe("action", () -> la.withLock(EXCLUSIVE, null));
            assertNpe("handle", () -> Lease.of(null));

            assertEquals(NONE, la.locked());
            assertEquals(0, la.queueLength());
            assertEquals(0, family.size());
            assertEquals(0, fx.connections("a"), "no call opened a session");
            assertEquals(List.of(), fx.database().advisoryLocks());
            grant(la.acquire(EXCLUSIVE), "the lock still works").release();
        }

        @Test
        void builder_invalidDurationsAndLimits_illegalArgumentAndBuilderStillGood(
                PostgresDatabase db) {
            PostgresMultiLocks.Builder builder = PostgresMultiLocks.builder(
                    db.dataSource(fx.app("built")));
            List<Executable> bad = List.of(
                    () -> builder.heartbeat(Duration.ofMillis(99)),
                    () -> builder.heartbeat(Duration.ZERO),
                    () -> builder.heartbeat(Duration.ofSeconds(-1)),
                    () -> builder.handOffLimit(0),
                    () -> builder.handOffLimit(-1),
                    () -> builder.handOffLimit(Integer.MIN_VALUE),
                    () -> builder.handOffWindow(Duration.ZERO),
                    () -> builder.handOffWindow(Duration.ofNanos(-1)));
            for (Executable e : bad) {
                assertThrows(IllegalArgumentException.class, e);
            }
            assertSame(builder, builder.heartbeat(Duration.ofMillis(100)), "the least heartbeat");
            assertSame(builder, builder.handOffLimit(1), "the least limit");
            assertSame(builder, builder.handOffWindow(Duration.ofNanos(1)), "the least window");
            try (PostgresMultiLocks built = builder.build()) {
                grant(built.keyed(fx.namespace()).get("k").acquire(EXCLUSIVE),
                        "a lock of an instance built after refused calls").release();
            }
            Poll.until(SHOWS, () -> fx.connections("built"), n -> n == 0, "closed: no session");
        }

        @Test
        void release_handleOfAnotherBackendKeyOrInstance_illegalArgumentNothingChanges() {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = fx.lock(a, "k");
            Handle ha = grant(la.acquire(EXCLUSIVE), "a's EXCLUSIVE");
            MultiLock inJvm = MultiLock.create();
            Handle hj = inJvm.tryAcquire(EXCLUSIVE).orElseThrow();
            List<MultiLock> others = List.of(fx.lock(a, "other key"), fx.lock(b, "k"),
                    a.keyed(fx.namespace() + "-other").get("k"), inJvm);
            for (MultiLock other : others) {
                assertThrows(IllegalArgumentException.class, () -> other.release(ha),
                        "a's handle released through " + other);
            }
            assertThrows(IllegalArgumentException.class, () -> la.release(hj));
            assertTrue(ha.isHeld() && hj.isHeld(), "nothing changed");
            assertEquals(EXCLUSIVE, la.locked());
            assertEquals(1, fx.locksOf("a", fx.serverKey("k")).size());
            assertTrue(fx.lock(a, "k").release(ha), "released through another lock of its key");
            assertFalse(la.release(ha), "released twice");
            hj.release();
        }

        @Test
        void leaseOf_handleOfAnotherKindOfLock_illegalArgument() {
            PostgresMultiLocks a = fx.open("a");
            Handle inJvm = MultiLock.create().tryAcquire(EXCLUSIVE).orElseThrow();
            assertThrows(IllegalArgumentException.class, () -> Lease.of(inJvm));
            inJvm.release();
            MultiLockSet set = MultiLockSet.of(fx.lock(a, "k1"), fx.lock(a, "k2"));
            Handle setHandle = grant(set.acquire(EXCLUSIVE), "a set of two postgres locks");
            assertThrows(IllegalArgumentException.class, () -> Lease.of(setHandle),
                    "a set's handle has no one lease");
            setHandle.release();
        }
    }
}
