package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.tests.SetRounds.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Sets that share locks, acquired concurrently with their members in opposite orders, cannot
 * deadlock: every set acquires its leaves in one global order. The workers of a test all wait
 * in one way: blocking, in continuations, or in continuations on an executor (see
 * {@link SetRounds}). Each test is bounded by a hard limit and fails with "deadlock: ..." and the
 * lock states when it is exceeded.
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 */
@Timeout(value = 40, threadMode = ThreadMode.SEPARATE_THREAD)
final class SetDeadlockTest {

    private static final int ROUNDS = 3_000;
    private static final long HARD_LIMIT_S = 20;

    /**
     * Counts entries into the critical sections. Plain fields: every writer holds at least
     * {@code a} EXCLUSIVE, so a lost update means two holders were inside at once.
     */
    private static final class Shared {
        int entries;
        int inside;
    }

    /** One participant of a run: which lock it takes and how often. */
    private record Worker(String name, MultiLock lock, int rounds) {}

    @Test
    void acquireBlocking_setsInOppositeOrders_finishWithoutDeadlock() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        run(a, b, Mode.BLOCKING, null, List.of(
                new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS)));
    }

    @Test
    void acquireBlocking_setsInOppositeOrdersAndAAlone_finishWithoutDeadlock() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        run(a, b, Mode.BLOCKING, null, List.of(
                new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS),
                new Worker("a alone", a, ROUNDS)));
    }

    @Test
    void acquireBlocking_laterCreatedLockFirstInBothSets_finishWithoutDeadlock()
            throws Exception {
        // creation order b < a: the sets must still agree on one order
        MultiLock b = MultiLock.create();
        MultiLock a = MultiLock.create();
        run(a, b, Mode.BLOCKING, null, List.of(
                new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS),
                new Worker("a alone", a, ROUNDS)));
    }

    @Test
    void acquireAsync_setsInOppositeOrdersAndAAlone_finishWithoutDeadlock() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        run(a, b, Mode.ASYNC, null, List.of(
                new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS),
                new Worker("a alone", a, ROUNDS)));
    }

    @Test
    void acquireAsyncOnExecutor_setsInOppositeOrdersAndAAlone_finishWithoutDeadlock()
            throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            run(a, b, Mode.ASYNC_ON_EXECUTOR, pool, List.of(
                    new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                    new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS),
                    new Worker("a alone", a, ROUNDS)));
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- one run: the workers of a test, all in one mode, under SetRounds ----

    private static void run(MultiLock a, MultiLock b, Mode mode, ExecutorService executor,
            List<Worker> workers) throws Exception {
        Shared shared = new Shared();
        SetRounds rounds = new SetRounds(Duration.ofSeconds(HARD_LIMIT_S),
                Duration.ofSeconds(HARD_LIMIT_S), () -> states(a, b, null));
        List<SetRounds.Worker> inMode = new ArrayList<>();
        for (Worker w : workers) {
            SetRounds.Take<Handle> take = SetRounds.of(EXCLUSIVE, w.lock());
            inMode.add(new SetRounds.Worker(w.name(), mode, w.rounds(), () -> take));
        }
        rounds.run(inMode, executor, (w, take) -> enter(rounds, shared, w, take, a, b));
        check(a, b, workers, shared, rounds);
    }

    // ---- shared checks ----

    private static void enter(SetRounds rounds, Shared shared, SetRounds.Worker w,
            SetRounds.Take<?> take, MultiLock a, MultiLock b) {
        if (shared.inside != 0) {
            rounds.problem("exclusion broken: " + w.name() + " entered while another worker was"
                    + " inside; " + states(a, b, null));
        }
        shared.inside++;
        for (MultiLock m : take.locks()) {
            if (m.locked() != EXCLUSIVE) {
                rounds.problem("exclusion broken: " + w.name() + " is inside without holding its"
                        + " locks EXCLUSIVE; " + states(a, b, null) + ", via=" + take);
            }
        }
        shared.entries++;
        Thread.yield(); // invite the other workers in while this one holds its locks
        shared.inside--;
    }

    private static void check(MultiLock a, MultiLock b, List<Worker> workers, Shared shared,
            SetRounds rounds) {
        rounds.assertNoProblems();
        int expected = workers.stream().mapToInt(Worker::rounds).sum();
        System.out.println("SetDeadlockTest: " + rounds.waited() + " of " + expected
                + " acquisitions had to wait");
        assertEquals(expected, shared.entries, "exclusion broken: lost updates of a counter"
                + " written only while holding a EXCLUSIVE; " + states(a, b, null));
        for (MultiLock m : List.of(a, b)) {
            assertEquals(NONE, m.locked(), "nothing may leak: " + states(a, b, null));
            assertEquals(0, m.queueLength(), "nothing may leak: " + states(a, b, null));
        }
        for (Worker w : workers) {
            assertEquals(0, w.lock().queueLength(), "no acquisition may still wait through "
                    + w.name() + "; " + w.lock());
        }
    }

    private static String states(MultiLock a, MultiLock b, MultiLock through) {
        return "a=" + a + ", b=" + b + (through == null || through == a ? "" : ", via=" + through);
    }
}
