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

    /** The lock of {@code key} in this test's namespace of {@code locks}. */
    private MultiLock lock(PostgresMultiLocks locks, String key) {
        return locks.keyed(fx.namespace()).get(key);
    }

    /** The advisory key of {@code key} in this test's namespace. */
    private long serverKey(String key) {
        return advisoryKey(fx.namespace(), key);
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
            MultiLock la = lock(a, "k");
            MultiLock lb = lock(b, "k");
            long key = serverKey("k");
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
            Handle ha = grant(lock(a, "k").acquire(SHARED), "a's SHARED");
            Handle hb = grant(lock(b, "k").acquire(SHARED), "b's SHARED beside a's");
            List<AdvisoryLock> rows = fx.locks(serverKey("k"));
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
                    MultiLock l = lock(t % 2 == 0 ? a : b, "k");
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
            MultiLock la = lock(a, "k");
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
            MultiLock la = lock(a, "k");
            // an EXCLUSIVE grant first, so that the fencing table exists: see
            // P6Fencing.acquireExclusive_behindSharedHoldInDatabaseWithoutFencingTable_granted
            grant(lock(a, "warm-up").acquire(EXCLUSIVE), "a first EXCLUSIVE").release();
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
            MultiLock la = lock(a, "k");
            MultiLock lb = lock(b, "k");
            long key = serverKey("k");
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
            Handle hb = grant(lock(b, "k").acquire(SHARED), "b's SHARED");
            Handle n = grant(lock(a, "k").acquire(NONE), "a's NONE beside b's SHARED");
            fx.awaitNoLock("a", serverKey("k"), SHOWS);
            n.release();
            hb.release();
        }

        @Test
        void acquireNone_exclusiveQueuedAheadOnServer_waitsForIt(PostgresDatabase db)
                throws SQLException {
            PostgresMultiLocks a = fx.open("a");
            PostgresMultiLocks b = fx.open("b");
            MultiLock la = lock(a, "k");
            long key = serverKey("k");
            try (Connection other = db.dataSource().getConnection()) {
                call(other, "SELECT pg_advisory_lock_shared(?)", key); // a third process: SHARED
                CompletableFuture<Handle> writer = lock(b, "k").acquire(EXCLUSIVE);
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
            long key = serverKey("k");
            List<Handle> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                held.add(grant(lock(a, "k").acquire(SHARED), "a's reader " + i));
                held.add(grant(lock(b, "k").acquire(SHARED), "b's reader " + i));
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
            MultiLock la = lock(a, "k");
            long key = serverKey("k");
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
            MultiLock la = lock(a, "k");
            MultiLock signalA = lock(a, "signal");
            Handle signalB = grant(lock(b, "signal").acquire(SHARED), "b's signal");
            Handle signalHeld = grant(signalA.acquire(SHARED), "a's signal");
            Poll.until(SHOWS, () -> fx.connections("a"), n -> n == 2,
                    "a's listener is connected");
            try (Watch signal = signalA.watch(SHARED)) {
                await(signal.awaitSet(), "a's watch of a SHARED its server lock covers");
                // the checks the watch's creation started run before this try is decided
                Handle barrier = signalA.tryAcquire(SHARED).orElseThrow();
                signal.clear();

                Handle first = grant(la.acquire(EXCLUSIVE), "a's first holder of k");
                CompletableFuture<Handle> fb = lock(b, "k").acquire(EXCLUSIVE);
                fx.awaitServerWait("b", serverKey("k"));
                signalB.release();
                await(signal.awaitSet(), "a hears of b's release of signal, after b's wait");
                assertFalse(fb.isDone());

                int grants = handOnUntil(la, first, fb, Duration.ofSeconds(20));
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
            MultiLock la = lock(a, "k");
            Handle first = grant(la.acquire(EXCLUSIVE), "a's first holder");
            Poll.until(SHOWS, () -> fx.connections("a"), n -> n == 2,
                    "a's listener is connected");
            CompletableFuture<Handle> fb = lock(b, "k").acquire(EXCLUSIVE);
            fx.awaitServerWait("b", serverKey("k"));
            long from = System.nanoTime();
            int grants = handOnUntil(la, first, fb, bound);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from);
            System.out.println("[hand-off] handOffWindow " + window.toMillis() + " ms: b let in"
                    + " after " + waited + " ms and " + grants + " local grants");
            assertTrue(grants > 0, "a kept handing on while b waited");
        }

        /**
         * Instance a hands the key on inside itself, one grant per step, keeping one more request
         * queued, until b's request {@code fb} is granted; then releases everything. Fails if that
         * takes longer than {@code bound}.
         *
         * @return how many local grants a made before b's grant
         */
        private int handOnUntil(MultiLock la, Handle first, CompletableFuture<Handle> fb,
                Duration bound) {
            long deadline = System.nanoTime() + bound.toNanos();
            Handle current = first;
            CompletableFuture<Handle> next = la.acquire(EXCLUSIVE);
            int grants = 0;
            for (;;) {
                CompletableFuture<Handle> after = la.acquire(EXCLUSIVE);
                current.release();
                await(CompletableFuture.anyOf(next, fb), "a's next grant or b's grant");
                if (fb.isDone()) {
                    assertFalse(next.isDone(), "a and b both hold k EXCLUSIVE");
                    fb.join().release();
                    grant(next, "a's next request, after b").release();
                    grant(after, "a's last request").release();
                    return grants;
                }
                grants++;
                current = next.join();
                next = after;
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("b not let in within " + bound.toMillis()
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
            MultiLock la = lock(a, "shared with a script");
            long key = serverKey("shared with a script");
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
}
