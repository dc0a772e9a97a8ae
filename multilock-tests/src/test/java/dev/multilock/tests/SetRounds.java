package dev.multilock.tests;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static org.junit.jupiter.api.Assertions.fail;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Workers that take locks round after round at the same time, for the deadlock suites
 * ({@link SetDeadlockTest}, {@link KeyedSetDeadlockTest}). In each round a worker takes what its
 * {@link Take} supplier gives it (asked anew every round, so a round may build a new set of locks
 * fetched anew), runs the suite's checked {@link Body} while it holds it, releases it and yields.
 *
 * <p>A {@link Mode#BLOCKING} worker waits for each grant on its own thread. An asynchronous worker
 * is a chain of continuations: rounds granted at once run in a loop, a round that waits resumes
 * from its future's continuation, on the thread that granted it or on the executor, so the stack
 * does not grow with the rounds.
 *
 * <p>Deadlock is what this class is for, so every wait is bounded. A request not granted within
 * the stall limit is reported as a problem beginning with "deadlock:" and naming the worker, the
 * round and the states of the locks; the request is then withdrawn (the future completed from
 * outside, which withdraws it by rule 3) and what was granted given back, so that even a
 * deadlocked run comes to an end. Once a problem is recorded, the other workers stop after their
 * round. A run that is still going at the hard limit is reported the same way.
 *
 * <p>{@link #inArgumentOrder} is the planted ordering bug of the tests of the tests: it takes
 * its locks one after another in the order given, without {@link MultiLockSet}'s global order,
 * as code that forgets about ordering does.
 */
final class SetRounds {

    /** How a worker waits for its grants. */
    enum Mode {
        /** On its own thread, with a bounded {@code get}. */
        BLOCKING,
        /** In continuations, completed on the thread that grants. */
        ASYNC,
        /** In continuations, with {@code acquire(type, executor)} on the run's executor. */
        ASYNC_ON_EXECUTOR
    }

    /**
     * What one round of a worker takes, as one request.
     *
     * @param <G> the type of a grant
     */
    interface Take<G> {

        /** The mode of the request. */
        MultiLockType type();

        /** The locks that a grant holds, each once, for the checks of the {@link Body}. */
        List<MultiLock> locks();

        /**
         * Requests the locks. Completing the future from outside withdraws the request and gives
         * back what the request took, as for {@link MultiLock#acquire}.
         *
         * @param executor where a grant that had to wait is completed; null: where it is granted
         */
        CompletableFuture<? extends G> acquire(Executor executor);

        /** Releases a grant; false if it was released already. */
        boolean release(G grant);
    }

    /**
     * One participant of a run.
     *
     * @param name its name in messages
     * @param mode how it waits
     * @param rounds how many rounds it runs
     * @param take what it takes in a round; called once per round
     */
    record Worker(String name, Mode mode, int rounds, Supplier<? extends Take<?>> take) {}

    /** What a worker does while it holds its take: the suite's checks. */
    interface Body {
        /**
         * Runs while {@code worker} holds {@code take}; records what it finds wrong with
         * {@link #problem}, throws nothing.
         */
        void inside(Worker worker, Take<?> take);
    }

    private final Duration stallLimit;
    private final Duration hardLimit;
    private final Supplier<String> states;
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waited = new AtomicInteger();

    /**
     * @param stallLimit how long one request may wait before it counts as deadlocked
     * @param hardLimit how long the whole run may take
     * @param states the states of the locks, for the messages
     */
    SetRounds(Duration stallLimit, Duration hardLimit, Supplier<String> states) {
        this.stallLimit = stallLimit;
        this.hardLimit = hardLimit;
        this.states = states;
    }

    // ---- what to take ----

    /** Takes {@code lock} (a set, a plain lock or the lock of a key) with one request. */
    static Take<Handle> of(MultiLockType type, MultiLock lock) {
        List<MultiLock> locks = lock instanceof MultiLockSet set
                ? List.copyOf(set.members()) : List.of(lock);
        return new Take<>() {
            @Override
            public MultiLockType type() {
                return type;
            }

            @Override
            public List<MultiLock> locks() {
                return locks;
            }

            @Override
            public CompletableFuture<Handle> acquire(Executor executor) {
                return executor == null ? lock.acquire(type) : lock.acquire(type, executor);
            }

            @Override
            public boolean release(Handle grant) {
                return grant.release();
            }

            @Override
            public String toString() {
                return type + " " + lock;
            }
        };
    }

    /** Takes {@code MultiLockSet.of(locks)}, a set built anew. */
    static Take<Handle> set(MultiLockType type, MultiLock... locks) {
        return of(type, MultiLockSet.of(locks));
    }

    /**
     * The planted ordering bug: takes the distinct {@code locks} (equal locks once, as a set
     * does) one after another in the order given, each request made once the one before it is
     * granted, instead of in the global order.
     */
    static Take<List<Handle>> inArgumentOrder(MultiLockType type, MultiLock... locks) {
        List<MultiLock> distinct = List.copyOf(new LinkedHashSet<>(List.of(locks)));
        return new Take<>() {
            @Override
            public MultiLockType type() {
                return type;
            }

            @Override
            public List<MultiLock> locks() {
                return distinct;
            }

            @Override
            public CompletableFuture<List<Handle>> acquire(Executor executor) {
                return new OneByOne(distinct, type, executor).start();
            }

            @Override
            public boolean release(List<Handle> grant) {
                boolean all = true;
                for (Handle h : grant) {
                    all &= h.release();
                }
                return all;
            }

            @Override
            public String toString() {
                return type + " " + distinct + " one by one";
            }
        };
    }

    /**
     * One request of {@link #inArgumentOrder}: a chain that requests lock i once lock i - 1 is
     * held. Completing the result from outside cancels the request in flight, and the chain
     * gives back what it holds, as a set acquisition does; only the order is wrong.
     */
    private static final class OneByOne {
        final List<MultiLock> locks;
        final MultiLockType type;
        final Executor executor;
        final CompletableFuture<List<Handle>> result = new CompletableFuture<>();
        /** Written by the chain only, one step after another (ordered by the futures). */
        final List<Handle> held = new ArrayList<>();
        /** The request in flight; read by a canceller. */
        volatile CompletableFuture<Handle> current;

        OneByOne(List<MultiLock> locks, MultiLockType type, Executor executor) {
            this.locks = locks;
            this.type = type;
            this.executor = executor;
        }

        CompletableFuture<List<Handle>> start() {
            result.whenComplete((v, failure) -> {
                CompletableFuture<Handle> c = current;
                if (failure != null && c != null) {
                    c.cancel(false); // withdraws the request in flight; a no-op once granted
                }
            });
            request(0);
            return result;
        }

        private void request(int i) {
            if (i == locks.size()) {
                if (!result.complete(List.copyOf(held))) {
                    releaseHeld(); // completed from outside just now
                }
                return;
            }
            MultiLock lock = locks.get(i);
            CompletableFuture<Handle> f =
                    executor == null ? lock.acquire(type) : lock.acquire(type, executor);
            current = f;
            if (result.isDone()) {
                f.cancel(false); // completed from outside before current was written
            }
            f.whenComplete((h, failure) -> {
                if (failure != null) {
                    releaseHeld();
                    result.completeExceptionally(failure);
                    return;
                }
                held.add(h);
                if (result.isDone()) {
                    releaseHeld();
                    return;
                }
                request(i + 1);
            });
        }

        private void releaseHeld() {
            for (Handle h : held) {
                h.release();
            }
            held.clear();
        }
    }

    // ---- the run ----

    /** Records a problem; the workers stop after their current round. */
    void problem(String what) {
        problems.add(what);
    }

    /** The problems recorded, deadlocks among them. */
    List<String> problems() {
        return new ArrayList<>(problems);
    }

    /**
     * Fails if any problem was recorded, with the first deadlock if there was one (so that the
     * message begins with "deadlock:"), else with the first problem.
     */
    void assertNoProblems() {
        List<String> all = problems();
        if (all.isEmpty()) {
            return;
        }
        String first = all.stream().filter(p -> p.startsWith("deadlock:")).findFirst()
                .orElse(all.get(0));
        fail(first + (all.size() == 1 ? "" : " (and " + (all.size() - 1) + " more problems)"));
    }

    /** How many requests had to wait: shows that the workers really contended. */
    int waited() {
        return waited.get();
    }

    /**
     * Starts every worker at the same moment and returns once all are done, or the hard limit
     * has passed, and every thread that may still be delivering a grant has finished.
     *
     * @param executor the executor of the {@link Mode#ASYNC_ON_EXECUTOR} workers, shut down and
     *     awaited here; null if there are none
     */
    void run(List<Worker> workers, ExecutorService executor, Body body)
            throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Loop> loops = new ArrayList<>();
        for (Worker w : workers) {
            Runnable program;
            if (w.mode() == Mode.BLOCKING) {
                program = () -> runBlocking(w, body);
            } else {
                Loop loop = new Loop(w, w.mode() == Mode.ASYNC ? null : executor, body);
                loops.add(loop);
                program = () -> loop.run(0);
            }
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    program.run();
                } catch (InterruptedException e) {
                    problem(w.name() + " was interrupted");
                }
            }, "SetRounds " + w.name());
            t.setDaemon(true); // a deadlocked worker must not keep the JVM alive
            threads.add(t);
            t.start();
        }
        long deadline = System.nanoTime() + hardLimit.toNanos();
        start.countDown();
        for (Loop loop : loops) {
            try {
                loop.done.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                problem("deadlock: " + loop.worker.name() + " is still at round " + loop.round
                        + " after " + hardLimit.toSeconds() + " s; " + states.get());
            } catch (ExecutionException e) {
                problem(loop.worker.name() + " failed: " + e.getCause());
            }
        }
        // The last grant may still be being delivered when a loop reports done (a set's own
        // bookkeeping runs after our continuation returns): let every thread that delivers
        // grants finish before the suite checks that nothing is left.
        for (Thread t : threads) {
            t.join(remainingMillis(deadline));
            if (t.isAlive()) {
                problem("deadlock: " + t.getName() + " is still running after "
                        + hardLimit.toSeconds() + " s; " + states.get());
            }
        }
        if (executor != null) {
            executor.shutdown();
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                problem("the executor's deliveries did not finish; " + states.get());
            }
        }
    }

    private static long remainingMillis(long deadline) {
        return Math.max(1, NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    // ---- blocking workers: one thread each, acquire().get(bounded), release ----

    private void runBlocking(Worker w, Body body) {
        for (int i = 0; i < w.rounds() && problems.isEmpty(); i++) {
            if (!blockingRound(w, i, w.take().get(), body)) {
                return;
            }
        }
    }

    private <G> boolean blockingRound(Worker w, int round, Take<G> take, Body body) {
        CompletableFuture<? extends G> f = take.acquire(null);
        if (!f.isDone()) {
            waited.incrementAndGet();
        }
        G grant;
        try {
            grant = f.get(stallLimit.toNanos(), NANOSECONDS);
        } catch (TimeoutException e) {
            problem("deadlock: " + w.name() + " waited " + stallLimit.toMillis() + " ms in round "
                    + round + " for " + take + "; " + states.get());
            withdraw(take, f);
            return false;
        } catch (InterruptedException e) {
            problem(w.name() + " was interrupted in round " + round);
            withdraw(take, f);
            return false;
        } catch (ExecutionException e) {
            problem(w.name() + " failed in round " + round + ": " + e.getCause());
            return false;
        }
        hold(w, take, grant, body);
        return true;
    }

    /** Withdraws a request that waited too long; gives back a grant that came just now. */
    static <G> void withdraw(Take<G> take, CompletableFuture<? extends G> f) {
        if (!f.cancel(false) && !f.isCompletedExceptionally()) {
            take.release(f.join());
        }
    }

    /** Runs the body while holding {@code grant}, then releases it and yields. */
    private <G> void hold(Worker w, Take<G> take, G grant, Body body) {
        try {
            body.inside(w, take);
        } catch (RuntimeException | Error e) {
            problem(w.name() + ": the checks threw " + e);
        } finally {
            if (!take.release(grant)) {
                problem("rule 5: " + w.name() + "'s first release of " + take + " returned false");
            }
        }
        // without this the workers settle into FIFO hand-offs that never start two acquisitions
        // on free locks at once, the only moment a wrong order deadlocks
        Thread.yield();
    }

    // ---- asynchronous workers: continuations, no thread waits on a future ----

    /** One asynchronous worker as a chain of continuations: acquire, hold, release, next. */
    private final class Loop {
        final Worker worker;
        final Executor executor;
        final Body body;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile int round;

        Loop(Worker worker, Executor executor, Body body) {
            this.worker = worker;
            this.executor = executor;
            this.body = body;
        }

        void run(int from) {
            for (int i = from; i < worker.rounds(); i++) {
                if (!problems.isEmpty()) {
                    break;
                }
                round = i;
                if (!roundGrantedAtOnce(i, worker.take().get())) {
                    return; // resumes from the grant's continuation
                }
            }
            done.complete(null);
        }

        /** Runs round {@code i}; false if it waits, and then its continuation goes on. */
        private <G> boolean roundGrantedAtOnce(int i, Take<G> take) {
            CompletableFuture<? extends G> f = take.acquire(executor);
            if (f.isDone()) {
                G grant;
                try {
                    grant = f.join();
                } catch (RuntimeException e) {
                    problem(worker.name() + " failed in round " + i + ": " + e);
                    done.complete(null);
                    return false;
                }
                hold(worker, take, grant, body);
                return true;
            }
            waited.incrementAndGet();
            // a timeout completes f from outside: the request is withdrawn (rule 3)
            f.orTimeout(stallLimit.toNanos(), NANOSECONDS).whenComplete((grant, failure) -> {
                if (failure instanceof TimeoutException) {
                    problem("deadlock: " + worker.name() + " waited " + stallLimit.toMillis()
                            + " ms in round " + i + " for " + take + "; " + states.get());
                    done.complete(null);
                } else if (failure != null) {
                    problem(worker.name() + " failed in round " + i + ": " + failure);
                    done.complete(null);
                } else {
                    hold(worker, take, grant, body);
                    run(i + 1);
                }
            });
            return false;
        }
    }
}
