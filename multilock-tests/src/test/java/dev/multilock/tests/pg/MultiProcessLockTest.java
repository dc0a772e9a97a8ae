package dev.multilock.tests.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresMultiLocks;
import dev.multilock.tests.pg.GrantHistoryChecker.Grant;
import dev.multilock.tests.pg.PostgresServer.AdvisoryLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The locks of {@code PostgresMultiLocks} across processes (API.md, "Beyond one JVM"): child JVMs
 * contend for the keys of one namespace and record their grants, and the parent checks
 * exclusion (P1), fencing (P6) and progress (P2) over all of them with
 * {@link GrantHistoryChecker}; a holder killed with SIGKILL loses its key to the next waiter
 * within 2 s (P5); the checker, fed the records of children whose lock excludes only inside
 * each process, reports the overlaps; and a holder that gets a key while another process already
 * waits for it hands it on no more than P2's bound allows.
 *
 * <p>Times are {@link System#nanoTime()} of one host, compared across JVMs: on Linux it is
 * {@code clock_gettime(CLOCK_MONOTONIC)}, one clock for every process of the host. The
 * contention test checks that assumption too: each child's clock reading at its start lies
 * between two readings of the parent's.
 */
@Tag("postgres")
@Tag("multiprocess")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
final class MultiProcessLockTest {

    /** Generous for JVM starts on a loaded 2-core machine; a child takes 1 to 2 s there. */
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration EXIT = Duration.ofSeconds(30);

    // ---- the contention scenario ----

    private static final int PROCESSES = 4;
    /** Request loops per process: at most this many requests of one process wait at once. */
    private static final int LOOPS = 2;
    private static final List<String> KEYS = List.of("a", "b");
    private static final Duration RUN = Duration.ofSeconds(5);
    private static final Duration HEARTBEAT = Duration.ofMillis(100);
    private static final int HAND_OFF_LIMIT = 3;
    private static final Duration HAND_OFF_WINDOW = Duration.ofMillis(20);
    /**
     * What a tenure of the server lock costs beyond the holds: the unlock and its notification,
     * the server's wake-up of the next waiter, its token reservation and delivery, a refused try
     * and a new dedicated session, on a loaded 2-core machine.
     */
    private static final Duration TENURE_SLACK = Duration.ofMillis(250);

    /**
     * The longest a grant may wait in the contention run, from its request to its entry, by P2.
     *
     * <p>A tenure: a process holds a key on the server while another waits for it there. It
     * learns of the waiter from the waiter's announcement, or at the latest from its next
     * heartbeat's look at {@code pg_locks} (the only way when the waiter announced itself before
     * the holder got the key: see the hand-off test); then it grants for at most
     * {@code handOffWindow} (or {@code handOffLimit} holds, whichever ends first), lets its last
     * holder finish (at most {@link ContentionChild#MAX_HOLD_MICROS}) and lets go. So a tenure
     * lasts at most {@code heartbeat + handOffWindow + longest hold + TENURE_SLACK}.
     *
     * <p>A round: each process has at most one request per key on the server (P2) and the server
     * grants in arrival order, so a process that starts to wait has at most
     * {@code PROCESSES - 1} tenures ahead of it, then a tenure of its own. In that tenure it
     * grants its local queue in arrival order, the head at least; a request with {@code LOOPS -
     * 1} requests of its process ahead of it is thus granted within {@code LOOPS} rounds.
     *
     * <p>Bound: {@code LOOPS * PROCESSES * tenure}. Timeouts and cancellations only shorten
     * waits (a withdrawn request leaves the queues).
     */
    static Duration waitBound() {
        Duration tenure = HEARTBEAT.plus(HAND_OFF_WINDOW)
                .plus(Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(
                        ContentionChild.MAX_HOLD_MICROS)))
                .plus(TENURE_SLACK);
        return tenure.multipliedBy((long) LOOPS * PROCESSES);
    }

    /** The children's output and records; kept when a test fails. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void contention_fourProcessesMixedModesCancelsTimeouts_exclusionFencingAndProgressHold(
            PostgresDatabase db) {
        Contention run = contend(db, "postgres", PROCESSES, RUN);
        System.out.println(run.summary());
        assertEquals(List.of(), run.errors, "no request of any child failed nor lost its grant");
        GrantHistoryChecker checker = new GrantHistoryChecker(run.grants);
        List<String> violations = checker.violations(run.processes, waitBound().toNanos());
        assertEquals(List.of(), violations, violations.size() + " violations in "
                + run.grants.size() + " grants; records in " + dir);
        List<AdvisoryLock> left = Poll.until(Duration.ofSeconds(2), db::advisoryLocks,
                List::isEmpty, "no advisory lock is left once every child has ended");
        assertEquals(List.of(), left);
    }

    @Test
    void contention_lockExcludingOnlyInsideEachProcess_checkerReportsOverlapsAcrossProcesses(
            PostgresDatabase db) {
        Contention run = contend(db, "local", 2, Duration.ofMillis(1500));
        System.out.println(run.summary());
        List<String> exclusion = new GrantHistoryChecker(run.grants).exclusion();
        assertFalse(exclusion.isEmpty(), "the checker must see the overlaps of a lock that"
                + " excludes nothing across processes; " + run.grants.size() + " grants");
        assertTrue(exclusion.get(0).startsWith("exclusion (P1) on key "), exclusion.get(0));
        System.out.println("negative control, first violation: " + exclusion.get(0));
        for (String p : run.processes) {
            List<Grant> own = run.grants.stream().filter(g -> g.process().equals(p)).toList();
            assertEquals(List.of(), new GrantHistoryChecker(own).exclusion(),
                    "inside " + p + " the in-JVM lock does exclude: the checker finds nothing");
        }
    }

    @Test
    void kill_holderOfExclusiveKilledWithSigkill_waiterGrantedWithin2s(PostgresDatabase db)
            throws Exception {
        String namespace = "kill-" + System.nanoTime();
        String key = "k";
        long advisory = advisoryKey(namespace, key);
        try (ChildJvm holder = ChildJvm.builder(ExclusiveHolderChild.class)
                .args(db.jdbcUrl(), namespace, key).outputDirectory(dir).name("holder").start();
                PostgresMultiLocks locks = PostgresMultiLocks.create(db.dataSource())) {
            long heldToken = Long.parseLong(holder.awaitLine("held ", START).substring(5));
            List<AdvisoryLock> before = db.advisoryLocks();
            assertTrue(before.stream().anyMatch(l -> l.key() == advisory && l.granted()
                    && l.isExclusive()), "the child holds the key's advisory lock (P3 key "
                    + advisory + "): " + before);

            CompletableFuture<Handle> waiter = locks.keyed(namespace).get(key)
                    .acquire(MultiLockType.EXCLUSIVE);
            Poll.until(Duration.ofSeconds(10), db::advisoryLocks,
                    all -> all.stream().anyMatch(l -> l.key() == advisory && !l.granted()),
                    "the parent waits for the key on the server");
            assertFalse(waiter.isDone(), "the waiter waits while the child holds the key");

            long killed = System.nanoTime();
            holder.kill(ChildJvm.Signal.KILL);
            Handle granted = waiter.get(10, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            System.out.println("waiter granted " + millis + " ms after the holder's SIGKILL");
            assertTrue(millis <= 2000, "P5: the waiter is granted within 2 s of the holder's"
                    + " SIGKILL, not " + millis + " ms");
            assertTrue(Lease.of(granted).fencingToken() > heldToken, "P6: the waiter's token "
                    + Lease.of(granted).fencingToken() + " is above the killed holder's "
                    + heldToken);
            assertEquals(137, holder.awaitExit(EXIT), "128 + SIGKILL");
            assertTrue(granted.release());
        }
        List<AdvisoryLock> left = Poll.until(Duration.ofSeconds(2), db::advisoryLocks,
                List::isEmpty, "no advisory lock is left");
        assertEquals(List.of(), left);
    }

    /**
     * P2's hand-off bound when the waiter queued on the server before the holder got the key.
     * Three instances, three processes to the server (it knows sessions, not JVMs): {@code a}
     * holds the key; {@code b} asks for it EXCLUSIVE {@value #B_REQUESTS} times at once (each
     * grant released as soon as it comes) and waits for it on the server; then {@code c} waits
     * behind {@code b}. When {@code a} lets go, {@code b} gets the key while {@code c} already
     * waits, so {@code b} may grant it at most {@code 1 + handOffLimit} times (its first grant
     * and the hand-offs) before {@code c} gets it. {@code b}'s heartbeat is longer than the
     * test, so only {@code c}'s announcement can tell {@code b}.
     *
     * <p>Fails as of this writing: {@code b} grants all its requests before {@code c} gets the
     * key. {@code c} announces its wait while {@code b} is still waiting, and
     * {@code ServerHold.contended()} drops an announcement heard outside phase HELD; on its
     * grant {@code b} starts uncontended, and learns of {@code c} only at its next heartbeat, or
     * lets go when its requests run out.
     */
    @Test
    void handOff_waiterQueuedBeforeHolderWasGranted_grantedAfterAtMostHandOffLimit(
            PostgresDatabase db) throws Exception {
        String namespace = "handoff-" + System.nanoTime();
        String key = "k";
        long advisory = advisoryKey(namespace, key);
        int limit = 4;
        Duration window = Duration.ofMillis(50);
        try (PostgresMultiLocks a = PostgresMultiLocks.create(db.dataSource());
                PostgresMultiLocks b = PostgresMultiLocks.builder(db.dataSource())
                        .heartbeat(Duration.ofSeconds(60)).handOffLimit(limit)
                        .handOffWindow(window).build();
                PostgresMultiLocks c = PostgresMultiLocks.create(db.dataSource())) {
            Handle held = a.keyed(namespace).get(key).acquire(MultiLockType.EXCLUSIVE)
                    .get(10, TimeUnit.SECONDS);

            ConcurrentLinkedQueue<Long> bGrants = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Void>> bRequests = new ArrayList<>();
            for (int i = 0; i < B_REQUESTS; i++) {
                bRequests.add(b.keyed(namespace).get(key).acquire(MultiLockType.EXCLUSIVE)
                        .thenAccept(h -> {
                            bGrants.add(System.nanoTime());
                            h.release();
                        }));
            }
            Poll.until(Duration.ofSeconds(10), db::advisoryLocks,
                    all -> waiters(all, advisory) == 1, "b waits for the key on the server");
            CompletableFuture<Handle> cWaits = c.keyed(namespace).get(key)
                    .acquire(MultiLockType.EXCLUSIVE);
            Poll.until(Duration.ofSeconds(10), db::advisoryLocks,
                    all -> waiters(all, advisory) == 2, "c waits for the key behind b");

            assertTrue(held.release());
            Handle cHandle = cWaits.get(10, TimeUnit.SECONDS);
            long cGranted = System.nanoTime();
            assertTrue(cHandle.release());
            CompletableFuture.allOf(bRequests.toArray(new CompletableFuture<?>[0]))
                    .get(10, TimeUnit.SECONDS);
            long bBefore = bGrants.stream().filter(t -> t < cGranted).count();
            String what = "b granted the key " + bBefore + " of its " + B_REQUESTS + " requests"
                    + " before c, which waited since before b's first grant";
            System.out.println(what);
            assertTrue(bBefore <= 1 + limit, "P2 (hand-off bound, limit " + limit + ", window "
                    + window.toMillis() + " ms): " + what);
        }
    }

    /**
     * The control of the test above: the same bound, when {@code c} starts to wait while
     * {@code b} already holds the key. {@code b} asks for it {@value #CONTROL_REQUESTS} times at
     * once and holds each grant {@link #B_HOLD}; once {@code b} holds and {@code c} is seen
     * waiting, {@code b} grants at most {@code 1 + handOffLimit} more times (one grant may race
     * the announcement) before {@code c} gets the key. Passes: {@code b} hears {@code c}'s
     * announcement in phase HELD, which is the difference with the test above.
     */
    @Test
    void handOff_waiterQueuedWhileHolderHeldTheKey_grantedAfterAtMostHandOffLimit(
            PostgresDatabase db) throws Exception {
        String namespace = "handoff-held-" + System.nanoTime();
        String key = "k";
        long advisory = advisoryKey(namespace, key);
        int limit = 4;
        ScheduledExecutorService releases = Executors.newSingleThreadScheduledExecutor();
        try (PostgresMultiLocks b = PostgresMultiLocks.builder(db.dataSource())
                        .heartbeat(Duration.ofSeconds(60)).handOffLimit(limit)
                        .handOffWindow(Duration.ofSeconds(10)).build();
                PostgresMultiLocks c = PostgresMultiLocks.create(db.dataSource())) {
            ConcurrentLinkedQueue<Long> bGrants = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Void>> bRequests = new ArrayList<>();
            for (int i = 0; i < CONTROL_REQUESTS; i++) {
                CompletableFuture<Void> released = new CompletableFuture<>();
                bRequests.add(released);
                // ends in released, which the test waits for: nothing more to check
                var unused = b.keyed(namespace).get(key).acquire(MultiLockType.EXCLUSIVE)
                        .whenComplete((h, failure) -> {
                            if (failure != null) {
                                released.completeExceptionally(failure);
                                return;
                            }
                            bGrants.add(System.nanoTime());
                            var unusedToo = releases.schedule(() -> {
                                h.release();
                                released.complete(null);
                            }, B_HOLD.toMillis(), TimeUnit.MILLISECONDS);
                        });
            }
            Poll.until(Duration.ofSeconds(10), () -> bGrants.size(), n -> n > 0,
                    "b holds the key");
            CompletableFuture<Handle> cWaits = c.keyed(namespace).get(key)
                    .acquire(MultiLockType.EXCLUSIVE);
            Poll.until(Duration.ofSeconds(10), db::advisoryLocks,
                    all -> waiters(all, advisory) == 1, "c waits for the key");
            long cSeenWaiting = System.nanoTime();
            Handle cHandle = cWaits.get(10, TimeUnit.SECONDS);
            long cGranted = System.nanoTime();
            assertTrue(cHandle.release());
            CompletableFuture.allOf(bRequests.toArray(new CompletableFuture<?>[0]))
                    .get(10, TimeUnit.SECONDS);
            long bWhileCWaited = bGrants.stream()
                    .filter(t -> t > cSeenWaiting && t < cGranted).count();
            String what = "b granted the key " + bWhileCWaited + " times while c waited, "
                    + bGrants.stream().filter(t -> t < cGranted).count() + " in all before c";
            System.out.println(what);
            assertTrue(bWhileCWaited <= 1 + limit, "P2 (hand-off bound, limit " + limit + "): "
                    + what);
        } finally {
            releases.shutdownNow();
        }
    }

    /** How many requests {@code b} of the control makes at once. */
    private static final int CONTROL_REQUESTS = 20;
    /**
     * How long {@code b} of the control holds each grant: long beside the delivery of a
     * notification, so that at most one grant races {@code c}'s announcement.
     */
    private static final Duration B_HOLD = Duration.ofMillis(50);

    /** How many requests {@code b} of the hand-off test makes at once. */
    private static final int B_REQUESTS = 50;

    private static long waiters(List<AdvisoryLock> locks, long advisory) {
        return locks.stream().filter(l -> l.key() == advisory && !l.granted()).count();
    }

    // ---- running the children ----

    /** What the children of one contention run recorded. */
    private record Contention(Set<String> processes, List<Grant> grants,
            Map<String, List<String>> failures, List<String> errors) {

        String summary() {
            StringBuilder s = new StringBuilder("contention: " + grants.size() + " grants; wait"
                    + " bound " + waitBound().toMillis() + " ms");
            for (String p : processes) {
                List<Grant> own = grants.stream().filter(g -> g.process().equals(p)).toList();
                Map<MultiLockType, Long> byMode = own.stream().collect(
                        Collectors.groupingBy(Grant::mode, TreeMap::new, Collectors.counting()));
                Map<String, Long> ended = failures.getOrDefault(p, List.of()).stream().collect(
                        Collectors.groupingBy(k -> k, TreeMap::new, Collectors.counting()));
                long[] waits = own.stream().mapToLong(Grant::waitNanos).sorted().toArray();
                s.append(String.format(Locale.ROOT, "%n  %s: grants %s, without grant %s,"
                        + " wait median %.1f ms, p99 %.1f ms, max %.1f ms", p, byMode, ended,
                        percentile(waits, 0.5), percentile(waits, 0.99),
                        percentile(waits, 1.0)));
            }
            for (String key : KEYS) {
                List<Grant> ofKey = grants.stream()
                        .filter(g -> g.key().equals(key) && g.mode() != MultiLockType.NONE)
                        .sorted(Comparator.comparingLong(Grant::entered)).toList();
                int changes = 0;
                int run = 0;
                int longest = 0;
                for (int i = 0; i < ofKey.size(); i++) {
                    boolean same = i > 0
                            && ofKey.get(i).process().equals(ofKey.get(i - 1).process());
                    changes += i > 0 && !same ? 1 : 0;
                    run = same ? run + 1 : 1;
                    longest = Math.max(longest, run);
                }
                s.append(String.format(Locale.ROOT, "%n  key %s: %d SHARED/EXCLUSIVE grants, the"
                        + " holding process changed %d times, longest run of one process %d",
                        key, ofKey.size(), changes, longest));
            }
            return s.toString();
        }

        private static double percentile(long[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
            return sorted[Math.max(0, i)] / 1e6;
        }
    }

    /**
     * Starts {@code processes} {@link ContentionChild}ren with {@code lock}, lets them contend
     * for {@code run} once all are ready, waits for their clean exit and reads their records.
     * Checks on the way that their clocks are the parent's.
     */
    private Contention contend(PostgresDatabase db, String lock, int processes, Duration run) {
        String namespace = "contention-" + System.nanoTime();
        List<ChildJvm> children = new ArrayList<>();
        try {
            long beforeStart = System.nanoTime();
            for (int i = 1; i <= processes; i++) {
                String name = "p" + i;
                children.add(ChildJvm.builder(ContentionChild.class)
                        .args("url=" + db.jdbcUrl(), "namespace=" + namespace,
                                "keys=" + String.join(",", KEYS),
                                "out=" + dir.resolve(name + ".grants"), "loops=" + LOOPS,
                                "seed=" + (System.nanoTime() ^ i),
                                "heartbeatMillis=" + HEARTBEAT.toMillis(),
                                "handOffLimit=" + HAND_OFF_LIMIT,
                                "handOffWindowMillis=" + HAND_OFF_WINDOW.toMillis(),
                                "lock=" + lock)
                        .outputDirectory(dir).name(name).start());
            }
            for (ChildJvm child : children) {
                long childClock = Long.parseLong(child.awaitLine("ready ", START).substring(6));
                long afterReady = System.nanoTime();
                assertTrue(beforeStart < childClock && childClock < afterReady, "one clock:"
                        + " the nanoTime " + childClock + " of " + child.name() + " at its start"
                        + " lies between the parent's " + beforeStart + " and " + afterReady);
            }
            for (ChildJvm child : children) {
                child.send("go " + run.toMillis());
            }
            for (ChildJvm child : children) {
                assertEquals(0, child.awaitExit(run.plus(EXIT)), child.name() + " ends cleanly;"
                        + " its last lines: " + child.stdoutLines() + "; stderr: "
                        + child.stderr());
            }
            Set<String> names = new LinkedHashSet<>();
            List<Grant> grants = new ArrayList<>();
            Map<String, List<String>> failures = new TreeMap<>();
            List<String> errors = new ArrayList<>();
            for (ChildJvm child : children) {
                names.add(child.name());
                for (String line : Files.readAllLines(dir.resolve(child.name() + ".grants"),
                        StandardCharsets.UTF_8)) {
                    if (line.startsWith(Grant.TAG + " ")) {
                        grants.add(Grant.parse(child.name(), line));
                        continue;
                    }
                    String kind = line.split(" ")[5];
                    failures.computeIfAbsent(child.name(), k -> new ArrayList<>()).add(kind);
                    if (kind.equals("error")) {
                        errors.add(child.name() + ": " + line);
                    }
                }
            }
            return new Contention(names, grants, failures, errors);
        } catch (IOException e) {
            throw new AssertionError("cannot read the records in " + dir, e);
        } finally {
            closeAll(children);
        }
    }

    /** Kills and reaps every child, each even if another fails to end. */
    private static void closeAll(List<ChildJvm> children) {
        RuntimeException first = null;
        for (ChildJvm child : children) {
            try {
                child.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * The server's advisory key of {@code key} in {@code namespace}, as P3 defines it: the first
     * 8 bytes, big-endian, of SHA-256 over the UTF-8 bytes of {@code namespace + "\0" + key}.
     */
    static long advisoryKey(String namespace, String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((namespace + "\u0000" + key).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
