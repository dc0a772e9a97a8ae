package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Sets that share locks, acquired concurrently with their members in opposite orders, cannot
 * deadlock: every set acquires its leaves in one global order. Each test is bounded by a hard
 * limit and fails with "deadlock: ..." and the lock states when it is exceeded.
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
        /** Acquisitions that had to wait: shows that the workers really contended. */
        final AtomicInteger waited = new AtomicInteger();
    }

    /** One participant of a run: which lock it takes and how often. */
    private record Worker(String name, MultiLock lock, int rounds) {}

    @Test
    void acquireBlocking_setsInOppositeOrders_finishWithoutDeadlock() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        runBlocking(a, b, List.of(
                new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS)));
    }

    @Test
    void acquireBlocking_setsInOppositeOrdersAndAAlone_finishWithoutDeadlock() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        runBlocking(a, b, List.of(
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
        runBlocking(a, b, List.of(
                new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS),
                new Worker("a alone", a, ROUNDS)));
    }

    @Test
    void acquireAsync_setsInOppositeOrdersAndAAlone_finishWithoutDeadlock() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        runAsync(a, b, null, List.of(
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
            runAsync(a, b, pool, List.of(
                    new Worker("{a, b}", MultiLockSet.of(a, b), ROUNDS),
                    new Worker("{b, a}", MultiLockSet.of(b, a), ROUNDS),
                    new Worker("a alone", a, ROUNDS)));
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- blocking workers: one thread each, acquire().get(bounded), release ----

    private static void runBlocking(MultiLock a, MultiLock b, List<Worker> workers)
            throws Exception {
        Shared shared = new Shared();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < w.rounds(); i++) {
                        Handle h;
                        try {
                            CompletableFuture<Handle> f = w.lock().acquire(EXCLUSIVE);
                            if (!f.isDone()) {
                                shared.waited.incrementAndGet();
                            }
                            h = f.get(HARD_LIMIT_S, SECONDS);
                        } catch (TimeoutException e) {
                            problems.add("deadlock: " + w.name() + " waited " + HARD_LIMIT_S
                                    + " s in round " + i + "; " + states(a, b, w.lock()));
                            return;
                        }
                        try {
                            enter(shared, w, a, b, problems);
                        } finally {
                            h.release();
                        }
                        // without this the workers settle into FIFO hand-offs that never start
                        // two acquisitions on free locks at once, the only moment a wrong order
                        // deadlocks
                        Thread.yield();
                    }
                } catch (InterruptedException | ExecutionException e) {
                    problems.add(w.name() + " failed: " + e);
                }
            }, "SetDeadlockTest " + w.name());
            t.setDaemon(true); // a deadlocked worker must not keep the JVM alive
            threads.add(t);
            t.start();
        }
        long deadline = System.nanoTime() + SECONDS.toNanos(HARD_LIMIT_S);
        start.countDown();
        for (Thread t : threads) {
            t.join(Math.max(1, NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                fail("deadlock: " + t.getName() + " is still running after " + HARD_LIMIT_S
                        + " s; " + states(a, b, null) + "; problems: " + problems);
            }
        }
        check(a, b, workers, shared, problems);
    }

    // ---- asynchronous workers: continuations, no thread waits on a future ----

    private static void runAsync(MultiLock a, MultiLock b, ExecutorService executor,
            List<Worker> workers) throws Exception {
        Shared shared = new Shared();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        List<Loop> loops = new ArrayList<>();
        for (Worker w : workers) {
            Loop loop = new Loop(w, executor, shared, () -> enter(shared, w, a, b, problems));
            loops.add(loop);
            done.add(loop.done);
        }
        // start each loop on its own thread, so that the loops really race
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> starters = new ArrayList<>();
        for (Loop loop : loops) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    loop.run(0);
                } catch (InterruptedException e) {
                    loop.done.completeExceptionally(e);
                }
            }, "SetDeadlockTest start " + loop.worker.name());
            t.setDaemon(true);
            starters.add(t);
            t.start();
        }
        start.countDown();
        try {
            CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0]))
                    .get(HARD_LIMIT_S, SECONDS);
        } catch (TimeoutException e) {
            StringBuilder where = new StringBuilder();
            for (Loop loop : loops) {
                where.append(loop.worker.name()).append(" at round ").append(loop.round)
                        .append(loop.done.isDone() ? " (done)" : "").append("; ");
            }
            fail("deadlock: the asynchronous loops did not finish within " + HARD_LIMIT_S
                    + " s: " + where + states(a, b, null) + "; problems: " + problems);
        }
        // The last grant is still being delivered when the loops report done (the set's own
        // bookkeeping runs after our continuation returns): let every thread that delivers
        // grants finish before checking that nothing is left.
        for (Thread t : starters) {
            t.join(SECONDS.toMillis(5));
        }
        if (executor != null) {
            executor.shutdown();
            if (!executor.awaitTermination(5, SECONDS)) {
                fail("the executor's deliveries did not finish; " + states(a, b, null));
            }
        }
        check(a, b, workers, shared, problems);
    }

    /**
     * One worker as a chain of continuations: acquire, enter, release, next round. Rounds granted
     * at once run in the loop; a round that waits resumes from its future's continuation (on the
     * releasing thread or the executor), so the stack does not grow with the rounds.
     */
    private static final class Loop {
        final Worker worker;
        final Executor executor;
        final Shared shared;
        final Runnable body;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile int round;

        Loop(Worker worker, Executor executor, Shared shared, Runnable body) {
            this.worker = worker;
            this.executor = executor;
            this.shared = shared;
            this.body = body;
        }

        void run(int from) {
            for (int i = from; i < worker.rounds(); i++) {
                round = i;
                CompletableFuture<Handle> f = executor == null
                        ? worker.lock().acquire(EXCLUSIVE)
                        : worker.lock().acquire(EXCLUSIVE, executor);
                if (!f.isDone()) {
                    shared.waited.incrementAndGet();
                    int next = i + 1;
                    f.whenComplete((h, failure) -> {
                        if (failure != null) {
                            done.completeExceptionally(failure);
                            return;
                        }
                        step(h);
                        run(next);
                    });
                    return;
                }
                step(f.join());
            }
            done.complete(null);
        }

        private void step(Handle h) {
            try {
                body.run();
            } finally {
                h.release();
            }
            Thread.yield(); // as in the blocking workers: let the others race for free locks
        }
    }

    // ---- shared checks ----

    private static void enter(Shared shared, Worker w, MultiLock a, MultiLock b,
            ConcurrentLinkedQueue<String> problems) {
        if (shared.inside != 0) {
            problems.add("exclusion broken: " + w.name() + " entered while another worker was"
                    + " inside; " + states(a, b, w.lock()));
        }
        shared.inside++;
        if (a.locked() != EXCLUSIVE || (w.lock() != a && b.locked() != EXCLUSIVE)) {
            problems.add("exclusion broken: " + w.name() + " is inside without holding its"
                    + " locks EXCLUSIVE; " + states(a, b, w.lock()));
        }
        shared.entries++;
        Thread.yield(); // invite the other workers in while this one holds its locks
        shared.inside--;
    }

    private static void check(MultiLock a, MultiLock b, List<Worker> workers, Shared shared,
            ConcurrentLinkedQueue<String> problems) {
        if (!problems.isEmpty()) {
            fail(problems.size() + " problem(s), first: " + problems.peek());
        }
        int expected = workers.stream().mapToInt(Worker::rounds).sum();
        System.out.println("SetDeadlockTest: " + shared.waited + " of " + expected
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
