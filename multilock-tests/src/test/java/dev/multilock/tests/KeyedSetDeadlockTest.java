package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.tests.SetRounds.Mode;
import dev.multilock.tests.SetRounds.Take;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Sets of keyed and plain locks cannot deadlock, whatever the keys (API.md K5): the keys here all
 * have one hash code and no order, so only the state of each key, pinned by the set while it
 * acquires, can place it in the global order.
 *
 * <p>{@value #WORKERS} workers (see {@link SetRounds}) take sets of the locks of keys a, b and c
 * and of two plain locks, round after round, in opposite argument orders, in EXCLUSIVE and
 * SHARED, blocking, in continuations and on an executor. Every round fetches the keys' locks anew
 * (new key objects, new views) and builds its set anew, so the state of b or c may have been
 * dropped and created again in between, with a new place in the order each time; a's state is
 * kept alive by an open watch for the whole run, and the plain lock {@code mid} is created after
 * a's state was ordered, so the order interleaves keyed and plain locks (p, a, mid, then the
 * current b and c states in whichever order sets first ordered them). One set holds two views of
 * the key a (equal keys, not the same object), which must count once.
 *
 * <p>Every wait is bounded ({@link #STALL_LIMIT}); a longer one fails the test with "deadlock:"
 * and the states of every lock. An {@link ExclusionChecker} per lock watches the critical
 * sections, and at the end every lock must be at rest and the family keep no state.
 *
 * <p>That run keeps the keys busy, so their states are seldom dropped between a set's ordering
 * and its acquisitions. A second test therefore races two new sets of idle keys in opposite
 * orders, started at the same instant, in every iteration (see
 * {@link #acquire_setsOfIdleKeysStartedAtOnceInOppositeOrders_neverDeadlock}).
 *
 * <p>Tests of the test: the same workload, and the same race, with each round's locks taken one
 * by one in argument order (the planted ordering bug, {@link SetRounds#inArgumentOrder})
 * deadlock, and are reported as "deadlock:" within their bound (round 0 or 1 of the run; a few
 * hundred iterations of the race). By hand, in a scratch copy of the api: with sets ordering a
 * key's lock by the view's own place in the order instead of its state's, the run deadlocked in
 * round 0; with sets ordering by the keys' states but unpinning them before they acquire, the run
 * passed, and the race deadlocked on 3 of 3 seeds within 1,418 iterations.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
final class KeyedSetDeadlockTest {

    static final int WORKERS = 5;
    private static final int ROUNDS = 2_000;
    /** How long one request may wait before it counts as deadlocked. */
    static final Duration STALL_LIMIT = Duration.ofSeconds(10);
    /** How long a whole run may take. */
    static final Duration HARD_LIMIT = Duration.ofSeconds(30);
    /**
     * The stall limit of the test of the test, whose deadlock is certain: short, so that the
     * proof costs little build time.
     */
    static final Duration PLANTED_STALL_LIMIT = Duration.ofSeconds(1);
    /** Iterations of the race of idle keys, at most; its time budget usually ends it first. */
    static final int RACE_ITERATIONS = 50_000;
    /** Iterations of the race run even when its time budget is spent. */
    static final int RACE_MIN_ITERATIONS = 1_000;
    /**
     * How long a side of the race may wait for its set: below {@link Racer#TIMEOUT_SECONDS}, so
     * that a deadlock is reported as one, not as a racer that did not finish.
     */
    static final Duration RACE_STALL_LIMIT = Duration.ofSeconds(5);
    /** Each side of the race waits, after the start, fewer spins than {@code 2^JITTER_BITS}. */
    static final int JITTER_BITS = 7;

    /** A key with the same hash code as every other key, and no order: only equals tells. */
    private record SameHashKey(String name) {
        @Override
        public int hashCode() {
            return 1;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** How a round takes its locks: as a set, or, for the planted bug, one by one. */
    @FunctionalInterface
    private interface Taking {
        Take<?> take(MultiLockType type, MultiLock... locks);
    }

    /** The locks of one run, and a checker for each. */
    private static final class Locks {
        final KeyedMultiLock<SameHashKey> family = KeyedMultiLock.create();
        /** Created before any state of a key: first in the order. */
        final MultiLock p = MultiLock.create();
        /** Keeps a's state, and with it a's place in the order, for the whole run. */
        final Watch keepA;
        /** Created after a's state was ordered, before b's and c's states: between them. */
        final MultiLock mid;
        final Breaches breaches = new Breaches();
        /** By lock: the locks of a key are equal, so any view finds its key's checker. */
        final Map<MultiLock, ExclusionChecker> checkers = new HashMap<>();

        Locks() {
            keepA = a().watch(EXCLUSIVE);
            // a set acquisition orders a's state now, whether its place is drawn at its creation
            // or at its first use by a set
            MultiLockSet.of(a(), p).tryAcquire(NONE).ifPresent(Handle::release);
            mid = MultiLock.create();
            checkers.put(a(), new ExclusionChecker(breaches, "a"));
            checkers.put(b(), new ExclusionChecker(breaches, "b"));
            checkers.put(c(), new ExclusionChecker(breaches, "c"));
            checkers.put(p, new ExclusionChecker(breaches, "p"));
            checkers.put(mid, new ExclusionChecker(breaches, "mid"));
        }

        /** The lock of key a, fetched anew with a new key object. */
        MultiLock a() {
            return family.get(new SameHashKey("a"));
        }

        MultiLock b() {
            return family.get(new SameHashKey("b"));
        }

        MultiLock c() {
            return family.get(new SameHashKey("c"));
        }

        /** The workers of a run, taking their locks as {@code taking} says. */
        List<SetRounds.Worker> workers(Taking taking) {
            return List.of(
                    new SetRounds.Worker("{a, b, mid} blocking", Mode.BLOCKING, ROUNDS,
                            () -> taking.take(EXCLUSIVE, a(), b(), mid)),
                    new SetRounds.Worker("{mid, b, a} async", Mode.ASYNC, ROUNDS,
                            () -> taking.take(EXCLUSIVE, mid, b(), a())),
                    new SetRounds.Worker("{b, c, p} on executor", Mode.ASYNC_ON_EXECUTOR, ROUNDS,
                            () -> taking.take(EXCLUSIVE, b(), c(), p)),
                    new SetRounds.Worker("{c, a, a} blocking", Mode.BLOCKING, ROUNDS,
                            () -> taking.take(EXCLUSIVE, c(), a(), a())),
                    new SetRounds.Worker("{c, b} SHARED async", Mode.ASYNC, ROUNDS,
                            () -> taking.take(SHARED, c(), b())));
        }

        /**
         * The checks while {@code who} holds {@code take}: exclusion per lock, and
         * {@code locked()}; what is wrong goes to {@code problems}.
         */
        void inside(Consumer<String> problems, String who, Take<?> take) {
            MultiLockType type = take.type();
            List<MultiLock> locks = take.locks();
            long[] tokens = new long[locks.size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = checkers.get(locks.get(i)).enter(type, 0L);
            }
            for (MultiLock lock : locks) {
                if (lock.locked() != type) {
                    problems.accept("rule 1: " + who + " holds " + type + " but locked() of "
                            + lock + " is " + lock.locked());
                }
            }
            Thread.yield(); // invite the other workers in while this one holds its locks
            for (int i = 0; i < tokens.length; i++) {
                checkers.get(locks.get(i)).exit(type, tokens[i]);
            }
        }

        String states() {
            return family + " {a=" + a() + ", b=" + b() + ", c=" + c() + ", p=" + p + ", mid="
                    + mid + "}";
        }
    }

    @Test
    void acquire_keyedAndPlainSetsInOppositeOrders_finishWithoutDeadlockAndDropEveryKey()
            throws Exception {
        Locks locks = new Locks();
        SetRounds rounds = new SetRounds(STALL_LIMIT, HARD_LIMIT, locks::states);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            rounds.run(locks.workers(SetRounds::set), executor,
                    (w, take) -> locks.inside(rounds::problem, w.name(), take));
        } finally {
            executor.shutdownNow();
        }

        rounds.assertNoProblems();
        assertEquals(0, locks.breaches.count(), () -> locks.breaches.count() + " breaches of"
                + " exclusion, first " + locks.breaches.list() + "; " + locks.states());
        System.out.println("KeyedSetDeadlockTest: " + rounds.waited() + " of "
                + WORKERS * ROUNDS + " set acquisitions had to wait");
        assertTrue(rounds.waited() > 0, "the workers never contended: the test tested nothing");
        locks.checkers.forEach((lock, checker) -> assertEquals(checker.exclusiveSections(),
                checker.guarded(), () -> "memory consistency or exclusion: lost updates of a"
                        + " counter written only while holding " + lock + " EXCLUSIVE"));
        locks.keepA.close();
        assertEquals(0, locks.family.size(), () -> "K2 (state only while in use): size() at rest: "
                + locks.states());
        for (MultiLock lock : List.of(locks.a(), locks.b(), locks.c(), locks.p, locks.mid)) {
            Quiescence.assertAtRest(lock);
        }
        assertEquals(0, locks.family.size(), () -> "K2 (state only while in use): size() after"
                + " the probes: " + locks.states());
    }

    @Test
    void acquireInArgumentOrder_plantedOrderingBug_reportedAsDeadlockWithinTheBound()
            throws Exception {
        Locks locks = new Locks();
        SetRounds rounds = new SetRounds(PLANTED_STALL_LIMIT, HARD_LIMIT, locks::states);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        long start = System.nanoTime();
        try {
            rounds.run(locks.workers(SetRounds::inArgumentOrder), executor,
                    (w, take) -> locks.inside(rounds::problem, w.name(), take));
        } finally {
            executor.shutdownNow();
            locks.keepA.close();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        List<String> deadlocks = rounds.problems().stream()
                .filter(p -> p.startsWith("deadlock:")).toList();
        System.out.println("KeyedSetDeadlockTest: the planted ordering bug was reported after "
                + millis + " ms: " + (deadlocks.isEmpty() ? "no deadlock" : deadlocks.get(0)));
        assertTrue(!deadlocks.isEmpty(), () -> "the deadlock check missed the planted ordering"
                + " bug: it reported " + rounds.problems() + " after " + millis + " ms");
        assertTrue(millis < HARD_LIMIT.toMillis(), () -> "the planted deadlock was reported only"
                + " after " + millis + " ms");
    }

    // ---- the race of two sets of idle keys ----

    /**
     * The moment a wrong order deadlocks, made to happen in every iteration: two sets of the
     * keys b and c, in opposite argument orders, built from views fetched anew, are acquired at
     * the same instant (a {@link Racer}, each side after a random jitter) while both keys are
     * idle, so each set creates, pins and orders the keys' states itself, at the same time as the
     * other, and states created by one may be the ones the other finds. The two sets must agree
     * on the order whatever happens. After each iteration nothing but the watched key a may keep
     * a state.
     */
    @Test
    void acquire_setsOfIdleKeysStartedAtOnceInOppositeOrders_neverDeadlock() {
        long seed = StressConfig.seed();
        Locks locks = new Locks();
        Race race = race(locks, SetRounds::set, RACE_STALL_LIMIT, seed, RACE_ITERATIONS,
                TimeUnit.MILLISECONDS.toNanos(StressConfig.millis()));
        locks.keepA.close();

        System.out.println("KeyedSetDeadlockTest: the race of idle keys ran " + race);
        assertTrue(race.problems().isEmpty(), () -> race.problems().get(0) + " (" + race
                + "); " + StressConfig.rerun(seed));
        assertEquals(0, locks.breaches.count(), () -> locks.breaches.count() + " breaches of"
                + " exclusion, first " + locks.breaches.list() + "; " + StressConfig.rerun(seed));
        assertEquals(0, locks.family.size(), () -> "K2 (state only while in use): size() at rest: "
                + locks.states());
    }

    /** Test of the test: the race catches the planted ordering bug, in a few iterations. */
    @Test
    void raceInArgumentOrder_plantedOrderingBug_reportedAsDeadlock() {
        long seed = StressConfig.seed();
        Locks locks = new Locks();
        Race race = race(locks, SetRounds::inArgumentOrder, PLANTED_STALL_LIMIT, seed,
                RACE_ITERATIONS, TimeUnit.SECONDS.toNanos(5));
        locks.keepA.close();

        System.out.println("KeyedSetDeadlockTest: the race reported the planted ordering bug in "
                + race + ": " + (race.problems().isEmpty() ? "nothing" : race.problems().get(0)));
        assertTrue(race.problems().stream().anyMatch(p -> p.startsWith("deadlock:")),
                () -> "the race missed the planted ordering bug: " + race + "; "
                        + StressConfig.rerun(seed));
    }

    /** What a race saw: how many iterations it ran, in how long, and the problems, if any. */
    private record Race(int iterations, long millis, List<String> problems) {
        @Override
        public String toString() {
            return iterations + " iterations, " + millis + " ms";
        }
    }

    /**
     * Runs iterations of the race until one finds a problem, {@code maxIterations} have run, or
     * the budget is spent (after {@value #RACE_MIN_ITERATIONS} iterations at least).
     */
    private static Race race(Locks locks, Taking taking, Duration stall, long seed,
            int maxIterations, long budgetNanos) {
        Random random = new Random(seed);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        int i = 0;
        try (Racer racer = new Racer("multilock-keyed-set-racer")) {
            while (i < maxIterations && problems.isEmpty()
                    && (i < RACE_MIN_ITERATIONS || System.nanoTime() - start < budgetNanos)) {
                String where = " in iteration " + i;
                racer.race(() -> side(locks, taking.take(EXCLUSIVE, locks.b(), locks.c()),
                        "{b, c}" + where, stall, problems), jitter(random),
                        () -> side(locks, taking.take(EXCLUSIVE, locks.c(), locks.b()),
                                "{c, b}" + where, stall, problems), jitter(random));
                i++;
                int size = locks.family.size();
                if (problems.isEmpty() && size != 1) {
                    problems.add("K2 (state only while in use): both sets were released" + where
                            + ", yet size() is " + size + ", not 1 (the watched a); "
                            + locks.states());
                }
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return new Race(i, millis, List.copyOf(problems));
    }

    /** A side of the race: takes, checks, releases; a wait beyond {@code stall} is a deadlock. */
    private static <G> void side(Locks locks, Take<G> take, String who, Duration stall,
            ConcurrentLinkedQueue<String> problems) {
        CompletableFuture<? extends G> f = take.acquire(null);
        G grant;
        try {
            grant = f.get(stall.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            problems.add("deadlock: " + who + " waited " + stall.toMillis() + " ms for " + take
                    + "; " + locks.states());
            SetRounds.withdraw(take, f);
            return;
        } catch (InterruptedException | ExecutionException e) {
            problems.add(who + " failed: " + e);
            SetRounds.withdraw(take, f);
            return;
        }
        try {
            locks.inside(problems::add, who, take);
        } finally {
            if (!take.release(grant)) {
                problems.add("rule 5: the first release of " + take + " by " + who
                        + " returned false");
            }
        }
    }

    /** Spins before a side acts: log-uniform, so small offsets are swept finely. */
    private static int jitter(Random random) {
        return random.nextInt(1 << random.nextInt(JITTER_BITS + 1));
    }
}
