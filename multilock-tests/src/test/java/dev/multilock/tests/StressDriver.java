package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
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
 * Runs bounded random programs on a {@link StressLock}, or on the locks of a few keys of a
 * {@link StressFamily}, from several threads at once, and reports what one
 * {@link ExclusionChecker} per key and its own bookkeeping saw.
 *
 * <p>Each worker thread has its own {@link Random}, seeded from the base seed and the thread's
 * index, and runs until its time is up, it has done its share of operations, or a breach has been
 * recorded. An operation is one of {@link Op}: acquire and wait (bounded) for the grant, acquire
 * and hold in the continuation, {@code tryAcquire}, acquire then cancel at once, acquire with
 * {@code orTimeout}, or acquire and have another thread cancel or fail the future later; and, if
 * the driver is given them, open a watch and close it now or later, or register a
 * {@code whenAcquirable} and cancel it at once or let it complete. Every grant is held inside a
 * checked critical section, then released once, twice (the second must return false), or by
 * another thread. A separate thread takes the hand-offs; it never waits for the lock, so no
 * worker can deadlock on a handle another thread is to release.
 *
 * <p>With several keys, each operation picks a key; it fetches the key's lock anew from the
 * family three times in four (else it uses the lock it fetched when it started), and releases
 * through a lock of the key fetched anew once in four, so that the requests meet states that are
 * being dropped and created again. Holders of different keys go to different checkers and never
 * conflict. A family of one key (a single lock) draws nothing for this: with the same seed and the
 * same operations, its programs are what they were before keys existed.
 *
 * <p>Nothing here blocks inside a continuation; a continuation never throws, it records a breach.
 * After the run the driver waits (bounded) for every future to settle and every hand-off to run,
 * then checks that every key has come to rest: NONE, an empty queue, and a {@code tryAcquire} of
 * EXCLUSIVE that succeeds; and that the family keeps no state ({@code size() == 0}) before and
 * after those probes.
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
        COMPLETE_ELSEWHERE,
        /** Open a watch; close it at once (twice) or from the hand-off thread. */
        WATCH,
        /** Register a {@code whenAcquirable}; cancel it at once or let it complete. */
        WHEN_ACQUIRABLE;

        /** The operations that acquire: what a driver does unless told otherwise. */
        static final Set<Op> ACQUISITIONS = EnumSet.range(AWAIT_GRANT, COMPLETE_ELSEWHERE);
        /** Every operation. */
        static final Set<Op> ALL = EnumSet.allOf(Op.class);
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
    /** How long it waits for them after a breach, when the lock is known to be broken. */
    static final long SETTLE_SECONDS_AFTER_BREACH = 1;
    /** The longest {@code orTimeout} of {@link Op#OR_TIMEOUT}, in microseconds. */
    static final int MAX_TIMEOUT_MICROS = 300;
    /** The exception of a future failed from another thread; made once, for speed. */
    static final TimeoutException FAILED_ELSEWHERE = new TimeoutException("failed elsewhere");

    private static final Release[] RELEASES = Release.values();

    private final StressFamily<G> family;
    private final Op[] ops;
    /** Whether there are keys to pick, views to fetch anew and to release through. */
    private final boolean keyed;
    private final long seed;
    private final int threads;
    private final long millis;
    private final int maxOpsPerThread;
    private final Breaches breaches = new Breaches();
    /** One checker per key, same index. */
    private final ExclusionChecker[] checkers;
    private final LinkedBlockingQueue<Runnable> handOffs = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> unsettled =
            new ConcurrentLinkedQueue<>();
    private final Map<Op, LongAdder> counts = new EnumMap<>(Op.class);
    private final AtomicLong grants = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();
    private volatile boolean stopping;

    /**
     * A driver of one lock, with the operations that acquire ({@link Op#ACQUISITIONS}).
     *
     * @param lock the lock to drive
     * @param seed the base seed; thread {@code i} uses {@link #threadSeed(long, int)}
     * @param threads how many worker threads
     * @param millis how long the workers run, at most
     * @param maxOpsPerThread how many operations each worker does, at most
     */
    StressDriver(StressLock<G> lock, long seed, int threads, long millis, int maxOpsPerThread) {
        this(StressFamily.of(lock), Op.ACQUISITIONS, seed, threads, millis, maxOpsPerThread);
    }

    /**
     * A driver of the keys of a family.
     *
     * @param family the keys to drive
     * @param ops the operations the programs are made of
     * @param seed the base seed; thread {@code i} uses {@link #threadSeed(long, int)}
     * @param threads how many worker threads
     * @param millis how long the workers run, at most
     * @param maxOpsPerThread how many operations each worker does, at most
     */
    StressDriver(StressFamily<G> family, Set<Op> ops, long seed, int threads, long millis,
            int maxOpsPerThread) {
        this.family = family;
        this.ops = ops.toArray(new Op[0]);
        this.keyed = family.keys() > 1;
        this.seed = seed;
        this.threads = threads;
        this.millis = millis;
        this.maxOpsPerThread = maxOpsPerThread;
        this.checkers = new ExclusionChecker[family.keys()];
        for (int key = 0; key < checkers.length; key++) {
            checkers[key] = new ExclusionChecker(breaches, family.name(key));
        }
        for (Op op : this.ops) {
            counts.put(op, new LongAdder());
        }
    }

    /** The seed of worker {@code index}'s program. */
    static long threadSeed(long seed, int index) {
        return seed ^ (0x9E3779B97F4A7C15L * (index + 1));
    }

    /** What a run saw. */
    record Result(List<String> breaches, int breachCount, long operations, long grants,
            long releases, long exclusiveSections, long guarded, String operationCounts,
            long millisToFirstBreach) {

        /** One line for failure messages. */
        String summary() {
            return operations + " operations (" + operationCounts + "), " + grants + " grants, "
                    + releases + " releases, " + exclusiveSections + " EXCLUSIVE sections"
                    + (breachCount == 0 ? "" : ", first breach after " + millisToFirstBreach
                            + " ms");
        }
    }

    /** Runs the workers, lets everything settle, checks every key is at rest, and reports. */
    Result run() throws InterruptedException {
        Thread releaser = new Thread(this::releaseHandOffs, "multilock-stress-releaser");
        releaser.setDaemon(true); // a thread stuck in a broken lock must not keep the JVM alive
        releaser.start();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int index = i;
            Thread t = new Thread(() -> work(index, deadline), "multilock-stress-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        long joinMillis = millis + TimeUnit.SECONDS.toMillis(LIVENESS_SECONDS + 5);
        for (Thread t : workers) {
            t.join(joinMillis);
            if (t.isAlive()) {
                breaches.add("liveness: worker " + t.getName() + " did not finish within "
                        + joinMillis + " ms; " + family.describe());
            }
        }
        settle();
        stopping = true;
        releaser.join(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
        if (releaser.isAlive()) {
            breaches.add("liveness: the hand-off thread did not finish; " + family.describe());
        } else {
            checkAtRest();
        }
        long operations = 0;
        StringBuilder perOp = new StringBuilder();
        for (Op op : ops) {
            long n = counts.get(op).sum();
            operations += n;
            perOp.append(perOp.length() == 0 ? "" : ", ").append(op).append('=').append(n);
        }
        long exclusiveSections = 0;
        long guarded = 0;
        for (ExclusionChecker checker : checkers) {
            exclusiveSections += checker.exclusiveSections();
            guarded += checker.guarded();
        }
        long millisToFirstBreach = breaches.any()
                ? TimeUnit.NANOSECONDS.toMillis(breaches.firstNanos() - start) : -1L;
        return new Result(breaches.list(), breaches.count(), operations, grants.get(),
                releases.get(), exclusiveSections, guarded, perOp.toString(), millisToFirstBreach);
    }

    // ---- the workers ----

    private void work(int index, long deadline) {
        Random random = new Random(threadSeed(seed, index));
        List<CompletableFuture<?>> pending = new ArrayList<>();
        // the lock of each key as fetched once, for the operations that do not fetch it anew
        List<StressLock<G>> kept = new ArrayList<>();
        for (int key = 0; key < family.keys(); key++) {
            kept.add(family.lock(key));
        }
        try {
            for (int n = 0; n < maxOpsPerThread && !breaches.any(); n++) {
                if ((n & 15) == 0 && System.nanoTime() - deadline > 0) {
                    break;
                }
                if ((n & 255) == 0) {
                    pending.removeIf(CompletableFuture::isDone);
                }
                step(random, kept, pending);
            }
        } catch (InterruptedException e) {
            breaches.add("worker " + index + " was interrupted");
        } catch (Throwable t) {
            breaches.add("worker " + index + " threw " + t);
        } finally {
            unsettled.addAll(pending);
        }
    }

    private void step(Random random, List<StressLock<G>> kept, List<CompletableFuture<?>> pending)
            throws InterruptedException {
        int r = random.nextInt(100);
        MultiLockType type = r < 40 ? EXCLUSIVE : r < 85 ? SHARED : NONE;
        Op op = ops[random.nextInt(ops.length)];
        int key = 0;
        StressLock<G> lock = kept.get(0);
        if (keyed) {
            key = random.nextInt(family.keys());
            lock = random.nextInt(4) == 0 ? kept.get(key) : family.lock(key);
        }
        Release release = RELEASES[random.nextInt(RELEASES.length)];
        boolean yieldInside = random.nextInt(16) == 0;
        StressLock<G> releaseVia = keyed && random.nextInt(4) == 0 ? family.lock(key) : lock;
        Section section = new Section(type, release, yieldInside, op, key, lock, releaseVia,
                checkers[key].ticket());
        counts.get(op).increment();
        switch (op) {
            case AWAIT_GRANT: {
                CompletableFuture<? extends G> f = lock.acquire(type);
                G grant;
                try {
                    grant = f.get(LIVENESS_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    breaches.add("liveness (rule 2): acquire(" + type + ")" + of(key)
                            + " not granted within " + LIVENESS_SECONDS + " s; "
                            + family.describe());
                    f.cancel(false);
                    return;
                } catch (ExecutionException e) {
                    breaches.add("acquire(" + type + ")" + of(key) + " failed: " + e.getCause());
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
                    breaches.add("cancel() returned " + cancelled + " but isCancelled() is "
                            + f.isCancelled() + of(key));
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
            case WATCH: {
                Object watch = lock.watch(type);
                if (random.nextBoolean()) {
                    lock.close(watch);
                    releaseVia.close(watch); // a second close changes nothing
                } else {
                    handOffs.add(() -> releaseVia.close(watch)); // open for a while
                }
                return;
            }
            case WHEN_ACQUIRABLE: {
                CompletableFuture<Void> f = lock.whenAcquirable(type);
                boolean cancel = random.nextBoolean();
                if (cancel) {
                    f.cancel(false);
                }
                // not cancelled: it must complete by the end, when every key is free (K2, rule 3)
                pending.add(f.handle((v, ex) -> {
                    Throwable cause = ex instanceof CompletionException && ex.getCause() != null
                            ? ex.getCause() : ex;
                    if (cause != null && !(cancel && cause instanceof CancellationException)) {
                        breaches.add("whenAcquirable(" + type + ")" + of(section.key)
                                + " failed with " + cause);
                    }
                    return null;
                }));
                return;
            }
            default:
                throw new AssertionError(op);
        }
    }

    /** " of key k1" for a family of several keys; nothing for a single lock. */
    private String of(int key) {
        return keyed ? " of key " + family.name(key) : "";
    }

    /**
     * The continuation of an acquisition: holds the grant, or checks why there is none. Returns
     * null, so that its stage completes normally and only says "this continuation has run".
     */
    private Void settle(G grant, Throwable failure, Section section) {
        try {
            if (failure == null) {
                if (grant == null) {
                    breaches.add(section.op + ": a future completed with a null grant");
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
                breaches.add(section.op + of(section.key) + ": the acquisition failed with "
                        + cause);
            }
        } catch (Throwable t) {
            breaches.add(section.op + of(section.key) + ": the continuation threw " + t);
        }
        return null;
    }

    /** Holds a grant inside a checked critical section, then releases it. */
    private void hold(G grant, Section section) {
        grants.incrementAndGet();
        MultiLockType type = section.type;
        ExclusionChecker checker = checkers[section.key];
        long token = checker.enter(type, section.ticket);
        if (type != NONE) {
            MultiLockType seen = section.lock.locked();
            if (seen != type) {
                breaches.add("rule 1: locked()" + of(section.key) + " inside a " + type
                        + " section was " + seen);
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
        if (section.releaseVia.release(grant)) {
            releases.incrementAndGet();
        } else {
            breaches.add("rule 5: the first release of a " + section.type + " grant ("
                    + section.op + of(section.key) + ") returned false");
        }
    }

    private void releaseAgain(G grant, Section section) {
        if (section.releaseVia.release(grant)) {
            breaches.add("rule 5: a second release of a " + section.type + " grant ("
                    + section.op + of(section.key) + ") returned true");
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
            breaches.add("the hand-off thread threw " + t);
        }
    }

    // ---- after the run ----

    /** Waits, bounded, for every acquisition's continuation to have run. */
    private void settle() throws InterruptedException {
        List<CompletableFuture<?>> all = new ArrayList<>(unsettled);
        // a lock known to be broken may never settle: do not spend the full time on it
        long seconds = breaches.any() ? SETTLE_SECONDS_AFTER_BREACH : SETTLE_SECONDS;
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                    .get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            long left = all.stream().filter(f -> !f.isDone()).count();
            breaches.add("rule 3 (nothing leaks): " + left + " acquisitions or awaits still"
                    + " unsettled " + seconds + " s after the run; " + family.describe());
        } catch (ExecutionException e) {
            breaches.add("a continuation threw " + e.getCause());
        }
    }

    /** Checks that every key has come to rest, once every future has settled. */
    private void checkAtRest() {
        if (grants.get() != releases.get()) {
            breaches.add("rule 3 (nothing leaks): " + grants.get() + " grants but "
                    + releases.get() + " releases; " + family.describe());
        }
        checkNoState("before the probes");
        for (int key = 0; key < family.keys(); key++) {
            checkAtRest(key);
        }
        checkNoState("after the probes");
    }

    /** K2: a family keeps no state for keys that nothing uses. */
    private void checkNoState(String when) {
        int size = family.size();
        if (size != 0) {
            breaches.add("K2 (state only while in use): at rest, " + when + ", size() is " + size
                    + "; " + family.describe());
        }
    }

    private void checkAtRest(int key) {
        StressLock<G> lock = family.lock(key);
        String state = lock.describe();
        if (lock.locked() != NONE || lock.queueLength() != 0) {
            breaches.add("rule 3 (nothing leaks): at rest the lock" + of(key) + " is "
                    + lock.locked() + " with queueLength() " + lock.queueLength() + "; lock "
                    + state);
        }
        Optional<? extends G> probe = lock.tryAcquire(EXCLUSIVE);
        if (probe.isEmpty()) {
            breaches.add("rule 3: tryAcquire(EXCLUSIVE)" + of(key) + " failed at rest; lock "
                    + state);
            return;
        }
        // the probe holds the key exclusively: every EXCLUSIVE section's write is visible now
        ExclusionChecker checker = checkers[key];
        if (checker.guarded() != checker.exclusiveSections()) {
            breaches.add("memory consistency (a release happens-before the acquisitions it"
                    + " enables)" + of(key) + ": EXCLUSIVE sections counted "
                    + checker.exclusiveSections() + " with atomics but " + checker.guarded()
                    + " with a field guarded only by the lock");
        }
        G grant = probe.get();
        if (!lock.release(grant)) {
            breaches.add("rule 5: the first release of the probe" + of(key)
                    + " at rest returned false");
        }
    }

    /** One grant's critical section, as the program chose it before the request. */
    private final class Section {
        final MultiLockType type;
        final Release release;
        final boolean yieldInside;
        final Op op;
        /** The key: the index of its checker. */
        final int key;
        /** The lock the grant was requested from. */
        final StressLock<G> lock;
        /** The lock to release through: {@link #lock}, or a lock of the key fetched anew. */
        final StressLock<G> releaseVia;
        /** {@link ExclusionChecker#ticket()} of the key's checker, as read before the request. */
        final long ticket;

        Section(MultiLockType type, Release release, boolean yieldInside, Op op, int key,
                StressLock<G> lock, StressLock<G> releaseVia, long ticket) {
            this.type = type;
            this.release = release;
            this.yieldInside = yieldInside;
            this.op = op;
            this.key = key;
            this.lock = lock;
            this.releaseVia = releaseVia;
            this.ticket = ticket;
        }
    }
}
