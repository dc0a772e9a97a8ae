package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one generated program per thread on a {@link TestedLock}, for real and at the same time,
 * for {@link MultiLockConcurrentProperties}; an {@link ExclusionChecker} watches every critical
 * section, and once every thread is done and every future has settled, the lock must be at rest.
 *
 * <p>Every {@link Op} is self-contained: it takes at most one acquisition and releases it before
 * the next op (or in the acquisition's continuation), so no thread ever holds the lock while it
 * waits for it, and a correct lock cannot deadlock a program. The threads start together at a
 * barrier and run their programs {@code rounds} times, so that they overlap. Every wait is
 * bounded; the first breach stops every thread.
 *
 * <p>What is checked: rule 1 (exclusion, by the checker, and {@code locked()} inside each
 * section), rule 5 (a first release returns true, a second false), the outcome of each withdrawn
 * future, and at the end rule 3 (every acquisition future done, as many releases as grants, the
 * lock NONE with an empty queue, a {@code tryAcquire(EXCLUSIVE)} that succeeds) and the memory
 * effect of a release (a plain counter written only in EXCLUSIVE sections lost no increment).
 * Only that quiescent end state is compared with what a sequential lock would show: while calls
 * race, {@code locked()} and {@code queueLength()} may show in-between states.
 */
final class ThreadProgramRunner {

    /** What one op does. */
    enum Kind {
        /** Does nothing: what shrinking turns an op into to remove it. */
        SKIP("skip"),
        /** acquire, wait (bounded) for the grant, hold, release. */
        AWAIT("await"),
        /** acquire; the continuation holds and releases, on whichever thread grants. */
        ASYNC("async"),
        /** tryAcquire; hold and release if it succeeded. */
        TRY("try"),
        /** acquire, then cancel at once; a grant that came first is held and released. */
        CANCEL("cancel"),
        /** acquire, then fail it with a TimeoutException at once, as orTimeout would. */
        TIME_OUT("timeOut"),
        /** acquire, then complete it with null from outside at once. */
        COMPLETE("complete"),
        /** acquire EXCLUSIVE, wait, hold, downgrade, hold SHARED, release. */
        DOWNGRADE("downgrade");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One op of a thread's program. */
    record Op(Kind kind, MultiLockType type, boolean releaseTwice, boolean yieldInside) {
        @Override
        public String toString() {
            if (kind == Kind.SKIP) {
                return kind.label;
            }
            return kind.label + "(" + (kind == Kind.DOWNGRADE ? EXCLUSIVE : type) + ")"
                    + (releaseTwice ? "x2" : "") + (yieldInside ? "y" : "");
        }
    }

    /** An exception made once, for the TIME_OUT ops. */
    private static final TimeoutException TIMED_OUT = new TimeoutException("timed out by the op");

    private final TestedLock lock;
    private final long livenessMillis;
    private final ExclusionChecker checker = new ExclusionChecker();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> futures =
            new ConcurrentLinkedQueue<>();
    private final AtomicLong grants = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();

    private ThreadProgramRunner(TestedLock lock, long livenessMillis) {
        this.lock = lock;
        this.livenessMillis = livenessMillis;
    }

    /**
     * Runs {@code programs[i]} on thread {@code i}, {@code rounds} times over, then checks the
     * rest state.
     *
     * @param livenessMillis how long a grant, the start, or the end may take before it counts as
     *     a breach of liveness
     * @return the breaches seen, the first few of them; empty if none
     */
    static List<String> run(TestedLock lock, List<List<Op>> programs, int rounds,
            long livenessMillis) throws InterruptedException {
        return new ThreadProgramRunner(lock, livenessMillis).run(programs, rounds);
    }

    private List<String> run(List<List<Op>> programs, int rounds) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(programs.size());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < programs.size(); i++) {
            List<Op> program = programs.get(i);
            Thread t = new Thread(() -> work(program, rounds, start), "multilock-pbt-" + i);
            t.setDaemon(true); // a thread stuck in a broken lock must not keep the JVM alive
            threads.add(t);
            t.start();
        }
        long joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * livenessMillis);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
            if (t.isAlive()) {
                checker.breach("liveness: thread " + t.getName() + " did not finish its program"
                        + " within " + 3 * livenessMillis + " ms; lock " + lock);
            }
        }
        if (!checker.breached()) {
            settle();
        }
        if (!checker.breached()) {
            checkAtRest();
        }
        return checker.breaches();
    }

    // ---- the threads ----

    private void work(List<Op> program, int rounds, CyclicBarrier start) {
        try {
            start.await(livenessMillis, TimeUnit.MILLISECONDS);
            for (int r = 0; r < rounds; r++) {
                for (Op op : program) {
                    if (checker.breached()) {
                        return;
                    }
                    step(op);
                }
            }
        } catch (TimeoutException | BrokenBarrierException e) {
            checker.breach("liveness: the threads did not all start within " + livenessMillis
                    + " ms");
        } catch (InterruptedException e) {
            checker.breach("a program thread was interrupted");
        } catch (Throwable t) {
            checker.breach("the lock threw " + t + " (rule 5: only misuse throws)");
        }
    }

    private void step(Op op) throws InterruptedException {
        MultiLockType type = op.type();
        long ticket = checker.ticket(); // before the request: see ExclusionChecker
        switch (op.kind()) {
            case SKIP:
                return;
            case AWAIT: {
                Object token = await(lock.acquire(type), op);
                if (token != null) {
                    hold(token, op, type, ticket);
                }
                return;
            }
            case ASYNC: {
                CompletableFuture<Object> f = lock.acquire(type);
                futures.add(f);
                futures.add(f.handle((token, failure) -> {
                    if (failure != null) {
                        checker.breach(op + ": the acquisition failed with " + failure);
                    } else {
                        hold(token, op, type, ticket);
                    }
                    return null;
                }));
                return;
            }
            case TRY: {
                Object token = lock.tryAcquire(type);
                if (token != null) {
                    hold(token, op, type, ticket);
                }
                return;
            }
            case CANCEL:
            case TIME_OUT:
            case COMPLETE: {
                CompletableFuture<Object> f = lock.acquire(type);
                futures.add(f);
                if (op.kind() == Kind.CANCEL) {
                    f.cancel(false);
                } else if (op.kind() == Kind.TIME_OUT) {
                    f.completeExceptionally(TIMED_OUT);
                } else {
                    f.complete(null);
                }
                futures.add(f.handle((token, failure) -> {
                    if (token != null) {
                        hold(token, op, type, ticket); // the grant came first
                    } else if (failure != null && !withdrawnAsAsked(op.kind(), failure)) {
                        checker.breach(op + ": the withdrawn future failed with " + failure);
                    }
                    return null;
                }));
                return;
            }
            case DOWNGRADE: {
                Object token = await(lock.acquire(EXCLUSIVE), op);
                if (token == null) {
                    return;
                }
                grants.incrementAndGet();
                section(EXCLUSIVE, ticket, op);
                if (!lock.downgrade(token)) {
                    checker.breach(op + ": downgrade of a held EXCLUSIVE acquisition returned"
                            + " false");
                }
                section(SHARED, ticket, op);
                release(token, op);
                return;
            }
            default:
                throw new AssertionError(op);
        }
    }

    private static boolean withdrawnAsAsked(Kind kind, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return kind == Kind.CANCEL ? cause instanceof CancellationException : cause == TIMED_OUT;
    }

    /** Waits, bounded, for a grant; null (after a recorded breach, or a stop) if none came. */
    private Object await(CompletableFuture<Object> f, Op op) throws InterruptedException {
        futures.add(f);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(livenessMillis);
        for (;;) {
            try {
                return f.get(10, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                checker.breach(op + ": the acquisition failed with " + e.getCause());
                return null;
            } catch (TimeoutException e) {
                boolean late = System.nanoTime() - deadline > 0;
                if (late || checker.breached()) {
                    if (late) {
                        checker.breach("liveness (rule 2): " + op + " not granted within "
                                + livenessMillis + " ms; lock " + lock);
                    }
                    if (!f.cancel(false)) {
                        grants.incrementAndGet(); // granted just now: give it back
                        release(f.join(), op);
                    }
                    return null;
                }
            }
        }
    }

    /** Holds a grant of {@code type} inside a checked critical section, then releases it. */
    private void hold(Object token, Op op, MultiLockType type, long ticket) {
        grants.incrementAndGet();
        section(type, ticket, op);
        release(token, op);
    }

    private void section(MultiLockType type, long ticket, Op op) {
        long inside = checker.enter(type, ticket);
        if (type != NONE) {
            MultiLockType seen = lock.locked();
            if (seen != type) {
                checker.breach("rule 1: locked() inside a " + type + " section of " + op
                        + " was " + seen);
            }
        }
        if (op.yieldInside()) {
            Thread.yield(); // widens the section, so that overlaps show
        }
        checker.exit(type, inside);
    }

    private void release(Object token, Op op) {
        if (lock.release(token)) {
            releases.incrementAndGet();
        } else {
            checker.breach("rule 5: the first release of " + op + " returned false");
        }
        if (op.releaseTwice() && lock.release(token)) {
            checker.breach("rule 5: the second release of " + op + " returned true");
        }
    }

    // ---- the end ----

    /** Waits, bounded, for every acquisition future and continuation to be done. */
    private void settle() throws InterruptedException {
        List<CompletableFuture<?>> all = new ArrayList<>(futures);
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                    .exceptionally(failure -> null) // each future is checked on its own below
                    .get(livenessMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            long left = all.stream().filter(f -> !f.isDone()).count();
            checker.breach("rule 3 (nothing leaks): " + left + " acquisition futures still not"
                    + " done " + livenessMillis + " ms after the programs ended; lock " + lock);
        }
    }

    private void checkAtRest() {
        String state = String.valueOf(lock);
        if (grants.get() != releases.get()) {
            checker.breach("rule 3 (nothing leaks): " + grants.get() + " grants but "
                    + releases.get() + " releases; lock " + state);
        }
        if (lock.locked() != NONE || lock.queueLength() != 0) {
            checker.breach("rule 3 (nothing leaks): at rest the lock is " + lock.locked()
                    + " with queueLength() " + lock.queueLength() + "; lock " + state);
        }
        Object probe = lock.tryAcquire(EXCLUSIVE);
        if (probe == null) {
            checker.breach("rule 3: tryAcquire(EXCLUSIVE) failed at rest; lock " + state);
            return;
        }
        // the probe holds the lock exclusively: every EXCLUSIVE section's write is visible now
        if (checker.guarded() != checker.exclusiveSections()) {
            checker.breach("memory consistency (a release happens-before the acquisitions it"
                    + " enables): " + checker.exclusiveSections() + " EXCLUSIVE sections, but"
                    + " the counter guarded only by the lock says " + checker.guarded());
        }
        if (!lock.release(probe)) {
            checker.breach("rule 5: the release of the probe at rest returned false");
        }
    }
}
