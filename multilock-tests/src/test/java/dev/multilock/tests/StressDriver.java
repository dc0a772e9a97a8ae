package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs bounded random programs on a {@link StressLock} from several threads at once, and reports
 * what an {@link ExclusionChecker} and its own bookkeeping saw.
 *
 * <p>Each worker thread has its own {@link Random}, seeded from the base seed and the thread's
 * index, and runs until its time is up, it has done its share of operations, or a breach has been
 * recorded. An operation is one of {@link Op}: acquire and wait (bounded) for the grant, acquire
 * and hold in the continuation, {@code tryAcquire}, acquire then cancel at once, acquire with
 * {@code orTimeout}, or acquire and have another thread cancel or fail the future later. Every
 * grant is held inside a checked critical section, then released once, twice (the second must
 * return false), or by another thread. A separate thread takes the hand-offs; it never waits for
 * the lock, so no worker can deadlock on a handle another thread is to release.
 *
 * <p>Nothing here blocks inside a continuation; a continuation never throws, it records a breach.
 * After the run the driver waits (bounded) for every future to settle and every hand-off to run,
 * then checks that the lock has come to rest: NONE, an empty queue, and a {@code tryAcquire} of
 * EXCLUSIVE that succeeds.
 *
 * @param <G> the lock's grant type
 */
final class StressDriver<G> {

    /** What one step of a worker's program does. */
    enum Op {
        AWAIT_GRANT,
        HOLD_IN_CONTINUATION,
        TRY_ACQUIRE,
        CANCEL_AT_ONCE,
        OR_TIMEOUT,
        COMPLETE_ELSEWHERE
    }

    /** How a grant is released once its critical section is over. */
    enum Release {
        ONCE,
        TWICE,
        HANDED_OFF
    }

    /** How long a worker waits for a grant before it reports the lock stuck. */
    static final long LIVENESS_SECONDS = 10;
    /** How long the driver waits for every future to settle after the run. */
    static final long SETTLE_SECONDS = 10;
    /** The longest {@code orTimeout} of {@link Op#OR_TIMEOUT}, in microseconds. */
    static final int MAX_TIMEOUT_MICROS = 300;
    /** The exception of a future failed from another thread; made once, for speed. */
    static final TimeoutException FAILED_ELSEWHERE = new TimeoutException("failed elsewhere");

    private static final Op[] OPS = Op.values();
    private static final Release[] RELEASES = Release.values();

    private final StressLock<G> lock;
    private final long seed;
    private final int threads;
    private final long millis;
    private final int maxOpsPerThread;
    private final ExclusionChecker checker = new ExclusionChecker();
    private final LinkedBlockingQueue<Runnable> handOffs = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> unsettled =
            new ConcurrentLinkedQueue<>();
    private final Map<Op, LongAdder> counts = new EnumMap<>(Op.class);
    private final AtomicLong grants = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();
    private volatile boolean stopping;

    /**
     * @param lock the lock to drive
     * @param seed the base seed; thread {@code i} uses {@link #threadSeed(long, int)}
     * @param threads how many worker threads
     * @param millis how long the workers run, at most
     * @param maxOpsPerThread how many operations each worker does, at most
     */
    StressDriver(StressLock<G> lock, long seed, int threads, long millis, int maxOpsPerThread) {
        this.lock = lock;
        this.seed = seed;
        this.threads = threads;
        this.millis = millis;
        this.maxOpsPerThread = maxOpsPerThread;
        for (Op op : OPS) {
            counts.put(op, new LongAdder());
        }
    }

    /** The seed of worker {@code index}'s program. */
    static long threadSeed(long seed, int index) {
        return seed ^ (0x9E3779B97F4A7C15L * (index + 1));
    }

    /** What a run saw. */
    record Result(List<String> breaches, int breachCount, long operations, long grants,
            long releases, long exclusiveSections, long guarded, String operationCounts) {

        /** One line for failure messages. */
        String summary() {
            return operations + " operations (" + operationCounts + "), " + grants + " grants, "
                    + releases + " releases, " + exclusiveSections + " EXCLUSIVE sections";
        }
    }

    /** Runs the workers, lets everything settle, checks the lock is at rest, and reports. */
    Result run() throws InterruptedException {
        Thread releaser = new Thread(this::releaseHandOffs, "multilock-stress-releaser");
        releaser.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int index = i;
            Thread t = new Thread(() -> work(index, deadline), "multilock-stress-" + i);
            workers.add(t);
            t.start();
        }
        long joinMillis = millis + TimeUnit.SECONDS.toMillis(LIVENESS_SECONDS + 5);
        for (Thread t : workers) {
            t.join(joinMillis);
            if (t.isAlive()) {
                checker.breach("liveness: worker " + t.getName() + " did not finish within "
                        + joinMillis + " ms; lock " + lock.describe());
            }
        }
        settle();
        stopping = true;
        releaser.join(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
        if (releaser.isAlive()) {
            checker.breach("liveness: the hand-off thread did not finish; lock "
                    + lock.describe());
        } else {
            checkAtRest();
        }
        long operations = 0;
        StringBuilder perOp = new StringBuilder();
        for (Op op : OPS) {
            long n = counts.get(op).sum();
            operations += n;
            perOp.append(perOp.length() == 0 ? "" : ", ").append(op).append('=').append(n);
        }
        return new Result(checker.breaches(), checker.breachCount(), operations, grants.get(),
                releases.get(), checker.exclusiveSections(), checker.guarded(), perOp.toString());
    }

    // ---- the workers ----

    private void work(int index, long deadline) {
        Random random = new Random(threadSeed(seed, index));
        List<CompletableFuture<?>> pending = new ArrayList<>();
        try {
            for (int n = 0; n < maxOpsPerThread && !checker.breached(); n++) {
                if ((n & 15) == 0 && System.nanoTime() - deadline > 0) {
                    break;
                }
                if ((n & 255) == 0) {
                    pending.removeIf(CompletableFuture::isDone);
                }
                step(random, pending);
            }
        } catch (InterruptedException e) {
            checker.breach("worker " + index + " was interrupted");
        } catch (Throwable t) {
            checker.breach("worker " + index + " threw " + t);
        } finally {
            unsettled.addAll(pending);
        }
    }

    private void step(Random random, List<CompletableFuture<?>> pending)
            throws InterruptedException {
        int r = random.nextInt(100);
        MultiLockType type = r < 40 ? EXCLUSIVE : r < 85 ? SHARED : NONE;
        Op op = OPS[random.nextInt(OPS.length)];
        Section section = new Section(type, RELEASES[random.nextInt(RELEASES.length)],
                random.nextInt(16) == 0, op, checker.ticket());
        counts.get(op).increment();
        switch (op) {
            case AWAIT_GRANT: {
                CompletableFuture<? extends G> f = lock.acquire(type);
                G grant;
                try {
                    grant = f.get(LIVENESS_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    checker.breach("liveness (rule 2): acquire(" + type + ") not granted within "
                            + LIVENESS_SECONDS + " s; lock " + lock.describe());
                    f.cancel(false);
                    return;
                } catch (ExecutionException e) {
                    checker.breach("acquire(" + type + ") failed: " + e.getCause());
                    return;
                }
                hold(grant, section);
                return;
            }
            case HOLD_IN_CONTINUATION: {
                pending.add(lock.acquire(type).handle((g, ex) -> settle(g, ex, section)));
                return;
            }
            case TRY_ACQUIRE: {
                Optional<? extends G> grant = lock.tryAcquire(type);
                if (grant.isPresent()) {
                    hold(grant.get(), section);
                }
                return;
            }
            case CANCEL_AT_ONCE: {
                CompletableFuture<? extends G> f = lock.acquire(type);
                boolean cancelled = f.cancel(false);
                if (cancelled != f.isCancelled()) {
                    checker.breach("cancel() returned " + cancelled + " but isCancelled() is "
                            + f.isCancelled());
                }
                pending.add(f.handle((g, ex) -> settle(g, ex, section)));
                return;
            }
            case OR_TIMEOUT: {
                CompletableFuture<? extends G> f = lock.acquire(type);
                pending.add(f.orTimeout(random.nextInt(MAX_TIMEOUT_MICROS), TimeUnit.MICROSECONDS)
                        .handle((g, ex) -> settle(g, ex, section)));
                return;
            }
            case COMPLETE_ELSEWHERE: {
                CompletableFuture<? extends G> f = lock.acquire(type);
                boolean cancel = random.nextBoolean();
                handOffs.add(() -> {
                    if (cancel) {
                        f.cancel(false);
                    } else {
                        f.completeExceptionally(FAILED_ELSEWHERE);
                    }
                });
                pending.add(f.handle((g, ex) -> settle(g, ex, section)));
                return;
            }
            default:
                throw new AssertionError(op);
        }
    }

    /**
     * The continuation of an acquisition: holds the grant, or checks why there is none. Returns
     * null, so that its stage completes normally and only says "this continuation has run".
     */
    private Void settle(G grant, Throwable failure, Section section) {
        try {
            if (failure == null) {
                if (grant == null) {
                    checker.breach(section.op + ": a future completed with a null grant");
                } else {
                    hold(grant, section);
                }
                return null;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            boolean expected = cause instanceof CancellationException
                    ? section.op == Op.CANCEL_AT_ONCE || section.op == Op.COMPLETE_ELSEWHERE
                    : cause instanceof TimeoutException
                            && (section.op == Op.OR_TIMEOUT || section.op == Op.COMPLETE_ELSEWHERE);
            if (!expected) {
                checker.breach(section.op + ": the acquisition failed with " + cause);
            }
        } catch (Throwable t) {
            checker.breach(section.op + ": the continuation threw " + t);
        }
        return null;
    }

    /** Holds a grant inside a checked critical section, then releases it. */
    private void hold(G grant, Section section) {
        grants.incrementAndGet();
        MultiLockType type = section.type;
        long token = checker.enter(type, section.ticket);
        if (type != NONE) {
            MultiLockType seen = lock.locked();
            if (seen != type) {
                checker.breach("rule 1: locked() inside a " + type + " section was " + seen);
            }
        }
        if (section.yieldInside) {
            Thread.yield(); // widens the section, so that overlaps show
        }
        checker.exit(type, token);
        switch (section.release) {
            case ONCE:
                releaseOnce(grant, section);
                break;
            case TWICE:
                releaseOnce(grant, section);
                releaseAgain(grant, section);
                break;
            default:
                handOffs.add(() -> {
                    releaseOnce(grant, section);
                    releaseAgain(grant, section);
                });
                break;
        }
    }

    private void releaseOnce(G grant, Section section) {
        if (lock.release(grant)) {
            releases.incrementAndGet();
        } else {
            checker.breach("rule 5: the first release of a " + section.type + " grant ("
                    + section.op + ") returned false");
        }
    }

    private void releaseAgain(G grant, Section section) {
        if (lock.release(grant)) {
            checker.breach("rule 5: a second release of a " + section.type + " grant ("
                    + section.op + ") returned true");
        }
    }

    // ---- the hand-off thread ----

    private void releaseHandOffs() {
        try {
            for (;;) {
                Runnable r = handOffs.poll(10, TimeUnit.MILLISECONDS);
                if (r != null) {
                    r.run();
                } else if (stopping) {
                    return;
                }
            }
        } catch (Throwable t) {
            checker.breach("the hand-off thread threw " + t);
        }
    }

    // ---- after the run ----

    /** Waits, bounded, for every acquisition's continuation to have run. */
    private void settle() throws InterruptedException {
        List<CompletableFuture<?>> all = new ArrayList<>(unsettled);
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                    .get(SETTLE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            long left = all.stream().filter(f -> !f.isDone()).count();
            checker.breach("rule 3 (nothing leaks): " + left + " acquisitions still unsettled "
                    + SETTLE_SECONDS + " s after the run; lock " + lock.describe());
        } catch (ExecutionException e) {
            checker.breach("a continuation threw " + e.getCause());
        }
    }

    /** Checks that the lock has come to rest, once every future has settled. */
    private void checkAtRest() {
        String state = lock.describe();
        if (grants.get() != releases.get()) {
            checker.breach("rule 3 (nothing leaks): " + grants.get() + " grants but "
                    + releases.get() + " releases; lock " + state);
        }
        if (lock.locked() != NONE || lock.queueLength() != 0) {
            checker.breach("rule 3 (nothing leaks): at rest the lock is " + lock.locked()
                    + " with queueLength() " + lock.queueLength() + "; lock " + state);
        }
        Optional<? extends G> probe = lock.tryAcquire(EXCLUSIVE);
        if (probe.isEmpty()) {
            checker.breach("rule 3: tryAcquire(EXCLUSIVE) failed at rest; lock " + state);
            return;
        }
        // the probe holds the lock exclusively: every EXCLUSIVE section's write is visible now
        if (checker.guarded() != checker.exclusiveSections()) {
            checker.breach("memory consistency (a release happens-before the acquisitions it"
                    + " enables): EXCLUSIVE sections counted " + checker.exclusiveSections()
                    + " with atomics but " + checker.guarded() + " with a field guarded only"
                    + " by the lock");
        }
        G grant = probe.get();
        if (!lock.release(grant)) {
            checker.breach("rule 5: the first release of the probe at rest returned false");
        }
    }

    /** One grant's critical section, as the program chose it before the request. */
    private static final class Section {
        final MultiLockType type;
        final Release release;
        final boolean yieldInside;
        final Op op;
        /** {@link ExclusionChecker#ticket()} as read before the request. */
        final long ticket;

        Section(MultiLockType type, Release release, boolean yieldInside, Op op, long ticket) {
            this.type = type;
            this.release = release;
            this.yieldInside = yieldInside;
            this.op = op;
            this.ticket = ticket;
        }
    }
}
