package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Waiting on a thread (API.md, W1 to W4): {@code lock}, {@code lockInterruptibly} and
 * {@code tryLock} on each {@link WaitingBackend} (the lock-free lock, the lock of a key, a set).
 *
 * <p>A test that needs a thread to wait runs the call in a {@link BlockedCall} and polls until
 * that thread is parked, so "it waits" and "it arrived before the next request" are observed,
 * not assumed; nothing sleeps to let things happen. Every test ends with the lock at rest
 * (rule 3), and for the keyed lock with a family that keeps no state (K2).
 *
 * <p>The races of W4 (a grant that arrives as a timeout or an interrupt withdraws the request)
 * run {@value #RACE_ITERATIONS} times per backend, or for a quarter of the stress time (see
 * {@link StressConfig}), whichever ends first; they are tagged {@code stress}. A test of these
 * tests was run once by hand, with two bugs planted in a scratch copy of {@code ThreadWaiter}: a
 * timed wait that loses its withdrawal returns empty (dropping the grant), and an interrupted
 * wait throws though its withdrawal lost. With the default seed and budget the interrupt race
 * reported it on 3 of the 4 waits that use {@code ThreadWaiter} (iterations 3 to 38), and the
 * timeout race on the lock-free lock (iteration 2625) but not, within its budget, on the key's
 * lock; sets, which wait on futures, rightly passed.
 */
final class BlockingLockTest {

    /** A timeout that no test reaches. */
    static final Duration LONG = Duration.ofMinutes(1);
    /** A timeout that a test waits out on its own thread. */
    static final Duration SHORT = Duration.ofMillis(20);
    /**
     * The timeout of a {@code tryLock} on another thread that a test queues a request behind:
     * long enough that the test gets there first on a loaded machine, short enough to wait out.
     */
    static final Duration QUEUE_BEHIND = Duration.ofMillis(300);
    /** Iterations of a race, at most. */
    static final int RACE_ITERATIONS = 3_000;
    /** Iterations of a race run even when its time budget is spent. */
    static final int MIN_RACE_ITERATIONS = 300;
    /** Iterations of the race of a {@code lock()} inside a continuation, at most. */
    static final int CONTINUATION_RACE_ITERATIONS = 20_000;
    /**
     * The spins each side of that race waits after the start line, at most. Its window is a few
     * instructions wide (between the waiter's count and its push). Against the self-grant bug
     * (see the test), 32 did best of 8, 16, 32, 64 and 256: with the default budget it showed
     * on about half of the backend runs, and with {@code -Dmultilock.stress.millis=10000} on
     * every backend over 3 seeds (iterations 224 to 4138); the log-uniform jitter of the other
     * races found it on a third of them.
     */
    static final int CONTINUATION_SPINS = 32;
    /** The longest timeout of the timeout race, in nanoseconds: about the waiter's spin. */
    static final int MAX_RACE_TIMEOUT_NANOS = 20_000;

    /** The calls that an interrupt withdraws (W4), each returning the handle it waited for. */
    enum Interruptible {
        LOCK_INTERRUPTIBLY {
            @Override
            Handle call(MultiLock lock, MultiLockType type) throws InterruptedException {
                return lock.lockInterruptibly(type);
            }
        },
        /** {@code tryLock} with a timeout no test reaches. */
        TRY_LOCK {
            @Override
            Handle call(MultiLock lock, MultiLockType type) throws InterruptedException {
                return lock.tryLock(type, LONG).orElseThrow(() -> new AssertionError(
                        "tryLock(" + type + ", " + LONG + ") timed out"));
            }
        };

        abstract Handle call(MultiLock lock, MultiLockType type) throws InterruptedException;
    }

    static Stream<Arguments> interruptibleOnEachBackend() {
        List<Arguments> all = new ArrayList<>();
        for (WaitingBackend backend : WaitingBackend.values()) {
            for (Interruptible call : Interruptible.values()) {
                all.add(Arguments.of(backend, call));
            }
        }
        return all.stream();
    }

    // ---- lock ----

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_free_returnsHeldHandleAtOnce(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;

        Handle h = lock.lock(EXCLUSIVE);

        assertTrue(h.isHeld(), "lock() returned a handle that is not held");
        assertEquals(EXCLUSIVE, h.type());
        assertEquals(lock, h.lock(), "the handle of lock() is a handle of this lock");
        assertEquals(EXCLUSIVE, lock.locked());
        assertEquals(0, lock.queueLength(), "a grant at once leaves nothing queued");
        assertTrue(h.release(), "rule 5: the first release returned false");
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_sharedBesideSharedHolder_returnsAtOnce(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle first = take(lock, SHARED);

        Handle second = lock.lock(SHARED);
        Handle none = lock.lock(NONE);

        assertTrue(second.isHeld() && none.isHeld(), "rule 1: SHARED and NONE share the lock");
        assertEquals(SHARED, lock.locked());
        assertTrue(first.release() && second.release() && none.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_heldByAnother_waitsUntilReleasedByAnotherThread(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, EXCLUSIVE);

        BlockedCall<Handle> blocked =
                BlockedCall.start("multilock-lock", () -> lock.lock(SHARED)).awaitParked();
        assertEquals(1, lock.queueLength(), "W1: a lock() that waits is a queued request");
        assertTrue(holder.release(), "rule 5: the first release returned false");
        Handle h = blocked.result();

        assertTrue(h.isHeld(), "lock() returned a handle that is not held");
        assertEquals(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
        assertTrue(h.release(), "rule 5: the handle of lock() released from another thread");
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_interruptedWhileWaiting_keepsWaitingAndReturnsWithInterruptStatusSet(
            WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, EXCLUSIVE);
        BlockedCall<Handle> blocked =
                BlockedCall.start("multilock-lock", () -> lock.lock(EXCLUSIVE)).awaitParked();

        blocked.interrupt();
        blocked.awaitParkedAgainAfterInterrupt();

        assertEquals(1, lock.queueLength(), "W1 (as Lock.lock()): an interrupt withdrew the"
                + " request of lock(); " + lock);
        assertTrue(holder.release(), "rule 5: the first release returned false");
        Handle h = blocked.result();
        assertTrue(blocked.interruptedAtEnd(), "W1 (as Lock.lock()): lock() returned without"
                + " setting the interrupt status again");
        assertTrue(h.isHeld() && lock.locked() == EXCLUSIVE, "lock() returned " + h + "; " + lock);
        assertTrue(h.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_interruptStatusSetOnFreeLock_returnsHandleAndKeepsStatus(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;

        Thread.currentThread().interrupt();
        Handle h;
        boolean stillInterrupted;
        try {
            h = lock.lock(SHARED);
        } finally {
            stillInterrupted = Thread.interrupted();
        }

        assertTrue(stillInterrupted, "W1 (as Lock.lock()): lock() cleared the interrupt status");
        assertTrue(h.isHeld());
        assertTrue(h.release());
        s.assertAtRest();
    }

    // ---- lockInterruptibly, and tryLock that waits ----

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("interruptibleOnEachBackend")
    void interruptible_interruptStatusSet_throwsAtOnceWithoutRequestAndClearsStatus(
            WaitingBackend backend, Interruptible call) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;

        // a free lock: the request would be granted at once, yet the call throws
        assertThrowsInterruptedAtOnce(() -> call.call(lock, EXCLUSIVE), call, lock);
        assertEquals(NONE, lock.locked(), "W4: " + call + " with the interrupt status set made a"
                + " request that was granted; " + lock);

        // a held lock with a waiter: the call would queue, yet the queue stays as it was
        Handle holder = take(lock, SHARED);
        CompletableFuture<Handle> waiter = lock.acquire(EXCLUSIVE);
        assertThrowsInterruptedAtOnce(() -> call.call(lock, SHARED), call, lock);
        assertEquals(1, lock.queueLength(), "W4: " + call + " with the interrupt status set made"
                + " a request that queued; " + lock);

        assertTrue(holder.release());
        assertTrue(Grants.granted(waiter).release());
        s.assertAtRest();
    }

    private static void assertThrowsInterruptedAtOnce(Executable call, Interruptible which,
            MultiLock lock) {
        Thread.currentThread().interrupt();
        try {
            assertThrows(InterruptedException.class, call, () -> "W4: " + which + " called with"
                    + " the interrupt status set did not throw InterruptedException; " + lock);
        } finally {
            assertFalse(Thread.interrupted(), () -> "W4: " + which + " threw"
                    + " InterruptedException but left the interrupt status set");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("interruptibleOnEachBackend")
    void interruptible_interruptedWhileWaiting_withdrawsAndLetsWaiterBehindIn(
            WaitingBackend backend, Interruptible call) throws Exception {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, SHARED);
        BlockedCall<Handle> blocked = BlockedCall.start("multilock-" + call,
                () -> call.call(lock, EXCLUSIVE)).awaitParked();
        CompletableFuture<Handle> behind = lock.acquire(SHARED);
        assertFalse(behind.isDone(), "rule 2: a SHARED request overtook the waiting EXCLUSIVE "
                + call);
        assertEquals(2, lock.queueLength());

        blocked.interrupt();

        assertInstanceOf(InterruptedException.class, blocked.failure(), "W4: " + call
                + " interrupted while waiting");
        assertFalse(blocked.interruptedAtEnd(), "W4: " + call + " threw InterruptedException"
                + " but left the interrupt status set");
        Handle let = Grants.grantedWithin(behind, "rule 3: the SHARED request behind the"
                + " interrupted " + call + " was not let in beside the SHARED holder; " + lock);
        assertEquals(0, lock.queueLength(), "rule 3: the interrupted request is still counted");
        assertEquals(SHARED, lock.locked());
        assertTrue(let.release() && holder.release());
        s.assertAtRest();
    }

    // ---- tryLock ----

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLock_zeroOrNegativeTimeout_isTryAcquireWithoutInterruptCheck(WaitingBackend backend)
            throws InterruptedException {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        List<Duration> timeouts = List.of(Duration.ZERO, Duration.ofNanos(-1),
                Duration.ofSeconds(-5), Duration.ofSeconds(Long.MIN_VALUE));
        for (Duration timeout : timeouts) {
            Thread.currentThread().interrupt();
            Optional<Handle> free;
            try {
                free = lock.tryLock(EXCLUSIVE, timeout);
            } finally {
                assertTrue(Thread.interrupted(), "W4: tryLock(EXCLUSIVE, " + timeout + ") looked"
                        + " at the interrupt status, as only a waiting tryLock does");
            }
            assertTrue(free.isPresent(), "tryLock(EXCLUSIVE, " + timeout + ") of a free lock is"
                    + " tryAcquire, which succeeds");

            Optional<Handle> held = lock.tryLock(SHARED, timeout);
            assertTrue(held.isEmpty(), "tryLock(SHARED, " + timeout + ") beside an EXCLUSIVE"
                    + " holder is tryAcquire, which fails");
            assertEquals(0, lock.queueLength(), "tryLock(SHARED, " + timeout + ") queued");
            assertTrue(free.get().release());
        }
        // FIFO as tryAcquire: no barging past a waiter, though the holders admit SHARED
        Handle holder = take(lock, SHARED);
        CompletableFuture<Handle> waiter = lock.acquire(EXCLUSIVE);
        assertTrue(lock.tryLock(SHARED, Duration.ZERO).isEmpty(), "rule 2: tryLock(SHARED, 0)"
                + " barged past a waiting EXCLUSIVE request");
        assertTrue(holder.release() && Grants.granted(waiter).release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLock_timesOut_returnsEmptyAfterTimeoutAndLeaksNothing(WaitingBackend backend)
            throws InterruptedException {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, EXCLUSIVE);

        long start = System.nanoTime();
        Optional<Handle> h = lock.tryLock(SHARED, SHORT);
        long waited = System.nanoTime() - start;

        assertTrue(h.isEmpty(), "tryLock(SHARED, " + SHORT + ") beside an EXCLUSIVE holder"
                + " returned " + h);
        assertTrue(waited >= SHORT.toNanos(), "Lock.tryLock: gave up after " + waited
                + " ns, before its timeout of " + SHORT);
        assertEquals(0, lock.queueLength(), "rule 3: the timed-out request is still counted");
        assertEquals(EXCLUSIVE, lock.locked());
        assertTrue(holder.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLock_timesOutWithWaiterBehind_withdrawsAndLetsWaiterIn(WaitingBackend backend)
            throws Exception {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, SHARED);
        AtomicLong waited = new AtomicLong();
        BlockedCall<Optional<Handle>> blocked = BlockedCall.start("multilock-tryLock", () -> {
            long start = System.nanoTime();
            try {
                return lock.tryLock(EXCLUSIVE, QUEUE_BEHIND);
            } finally {
                waited.set(System.nanoTime() - start);
            }
        }).awaitParked();
        CompletableFuture<Handle> behind = lock.acquire(SHARED);
        assumeFalse(behind.isDone(), "the tryLock timed out before a request could queue behind"
                + " it (a machine too slow for " + QUEUE_BEHIND + "); nothing tested");

        Optional<Handle> h = blocked.result();

        assertTrue(h.isEmpty(), "tryLock(EXCLUSIVE) beside a SHARED holder returned " + h);
        assertTrue(waited.get() >= QUEUE_BEHIND.toNanos(), "Lock.tryLock: gave up after "
                + waited.get() + " ns, before its timeout of " + QUEUE_BEHIND);
        Handle let = Grants.grantedWithin(behind, "rule 3: the SHARED request behind the"
                + " timed-out tryLock was not let in; " + lock);
        assertEquals(0, lock.queueLength(), "rule 3: the timed-out request is still counted");
        assertTrue(let.release() && holder.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLock_timeoutTooLargeForNanoseconds_waitsWithoutLimit(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        List<Duration> timeouts = List.of(Duration.ofSeconds(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofNanos(Long.MAX_VALUE),
                Duration.ofDays(365L * 300));
        for (Duration timeout : timeouts) {
            Handle holder = take(lock, EXCLUSIVE);
            BlockedCall<Optional<Handle>> blocked = BlockedCall.start("multilock-tryLock",
                    () -> lock.tryLock(SHARED, timeout)).awaitParked();
            assertEquals(1, lock.queueLength(), "W4: tryLock(SHARED, " + timeout + ") is not"
                    + " waiting");
            assertTrue(holder.release());
            Optional<Handle> h = blocked.result();
            assertTrue(h.isPresent(), "W4: tryLock(SHARED, " + timeout + ") gave up");
            assertTrue(h.get().release());
        }
        s.assertAtRest();
    }

    // ---- null arguments ----

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void waitingMethods_nullArgument_throwNullPointerNamingItAndChangeNothing(
            WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, SHARED);

        assertNpe("type", () -> lock.lock(null));
        assertNpe("type", () -> lock.lockInterruptibly(null));
        assertNpe("type", () -> lock.tryLock(null, LONG));
        assertNpe("timeout", () -> lock.tryLock(EXCLUSIVE, null));
        assertNpe("timeout", () -> lock.tryLock(SHARED, null));

        assertEquals(SHARED, lock.locked(), "rule 5: a failed call changed the lock");
        assertEquals(0, lock.queueLength(), "rule 5: a failed call queued a request");
        assertTrue(holder.release());
        s.assertAtRest();
    }

    private static void assertNpe(String parameter, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(parameter, e.getMessage(), "rule 5: the message names the parameter");
    }

    // ---- W3: one queue, in arrival order ----

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_blockedThenAsyncAcquireBehind_servedInArrivalOrder(WaitingBackend backend)
            throws Exception {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, EXCLUSIVE);
        Queue<String> order = new ConcurrentLinkedQueue<>();

        BlockedCall<Void> blocked = BlockedCall.<Void>start("multilock-lock", () -> {
            enterAndLeave(lock.lock(EXCLUSIVE), "lock", order);
            return null;
        }).awaitParked();
        CompletableFuture<Void> async =
                lock.acquire(EXCLUSIVE).thenAccept(h -> enterAndLeave(h, "acquire", order));
        assertEquals(2, lock.queueLength());
        assertTrue(holder.release());
        blocked.result();
        async.get(BlockedCall.TIMEOUT_SECONDS, TimeUnit.SECONDS);

        assertEquals(List.of("lock", "acquire"), List.copyOf(order), "W3: a blocked lock() and an"
                + " acquire() queued behind it were not served in arrival order");
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void acquire_asyncThenBlockedLockBehind_servedInArrivalOrder(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        Handle holder = take(lock, EXCLUSIVE);
        Queue<String> order = new ConcurrentLinkedQueue<>();

        CompletableFuture<Void> async =
                lock.acquire(EXCLUSIVE).thenAccept(h -> enterAndLeave(h, "acquire", order));
        BlockedCall<Void> blocked = BlockedCall.<Void>start("multilock-lock", () -> {
            enterAndLeave(lock.lock(EXCLUSIVE), "lock", order);
            return null;
        }).awaitParked();
        assertEquals(2, lock.queueLength());
        assertTrue(holder.release());
        blocked.result();

        assertTrue(async.isDone(), "the acquire() was not served");
        assertEquals(List.of("acquire", "lock"), List.copyOf(order), "W3: an acquire() and a"
                + " blocked lock() queued behind it were not served in arrival order");
        s.assertAtRest();
    }

    /** A set waits on its first leaf in the global order: a request on that leaf is behind. */
    @Test
    void lock_blockedOnSetThenAsyncAcquireOfItsFirstLeaf_servedInArrivalOrder() throws Exception {
        MultiLock a = MultiLock.create(); // created first: first in the global order
        MultiLock b = MultiLock.create();
        MultiLock set = MultiLockSet.of(b, a);
        Handle holder = take(a, EXCLUSIVE);
        Queue<String> order = new ConcurrentLinkedQueue<>();

        BlockedCall<Void> blocked = BlockedCall.<Void>start("multilock-set-lock", () -> {
            enterAndLeave(set.lock(EXCLUSIVE), "set.lock", order);
            return null;
        }).awaitParked();
        CompletableFuture<Void> async =
                a.acquire(SHARED).thenAccept(h -> enterAndLeave(h, "a.acquire", order));
        assertTrue(holder.release());
        blocked.result();
        async.get(BlockedCall.TIMEOUT_SECONDS, TimeUnit.SECONDS);

        assertEquals(List.of("set.lock", "a.acquire"), List.copyOf(order), "W3: a lock() blocked"
                + " on a set and an acquire() of its leaf queued behind it were not served in"
                + " arrival order");
        Quiescence.assertAtRest(set);
    }

    @Test
    void acquire_asyncOnFirstLeafThenBlockedSetLockBehind_servedInArrivalOrder() {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        MultiLock set = MultiLockSet.of(b, a);
        Handle holder = take(a, EXCLUSIVE);
        Queue<String> order = new ConcurrentLinkedQueue<>();

        CompletableFuture<Void> async =
                a.acquire(SHARED).thenAccept(h -> enterAndLeave(h, "a.acquire", order));
        BlockedCall<Void> blocked = BlockedCall.<Void>start("multilock-set-lock", () -> {
            enterAndLeave(set.lock(EXCLUSIVE), "set.lock", order);
            return null;
        }).awaitParked();
        assertTrue(holder.release());
        blocked.result();

        assertTrue(async.isDone(), "the acquire() was not served");
        assertEquals(List.of("a.acquire", "set.lock"), List.copyOf(order), "W3: an acquire() of a"
                + " leaf and a lock() blocked on its set behind it were not served in arrival"
                + " order");
        Quiescence.assertAtRest(set);
    }

    /** Records that the holder of {@code h} entered, then releases it. */
    private static void enterAndLeave(Handle h, String who, Queue<String> order) {
        order.add(who);
        if (!h.release()) {
            order.add(who + " could not release");
        }
    }

    // ---- W4: a grant that arrives as the request is withdrawn ----

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    @Tag("stress")
    void tryLock_grantRacesTimeout_returnsGrantOrLeavesNothing(WaitingBackend backend) {
        long seed = StressConfig.seed() + backend.ordinal();
        Random random = new Random(seed);
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        int[] outcomes = new int[2]; // granted, timed out
        race((racer, i) -> {
            Handle holder = take(lock, EXCLUSIVE);
            Duration timeout = Duration.ofNanos(1 + random.nextInt(MAX_RACE_TIMEOUT_NANOS));
            List<Optional<Handle>> got = new ArrayList<>(1);
            racer.race(holder::release, GrantCancelRaceTest.jitter(random),
                    () -> got.add(tryLockOrFail(lock, timeout)),
                    GrantCancelRaceTest.jitter(random));
            Optional<Handle> h = got.get(0);
            Supplier<String> where = () -> "iteration " + i + ", tryLock(EXCLUSIVE, " + timeout
                    + ") on " + s + "; " + StressConfig.rerun(seed);
            if (h.isPresent()) {
                outcomes[0]++;
                assertTrue(h.get().isHeld() && lock.locked() == EXCLUSIVE, () -> "W4: tryLock"
                        + " returned a grant that is not held; " + where.get());
                assertTrue(h.get().release(), () -> "rule 5: " + where.get());
            } else {
                outcomes[1]++;
            }
            assertAtRest(s, () -> "W4/rule 3: a tryLock that returned " + h + " left the lock"
                    + " held or queued (a raced grant dropped?); " + where.get());
        });
        System.out.println("BlockingLockTest timeout race on " + backend + ": granted "
                + outcomes[0] + ", timed out " + outcomes[1]);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("interruptibleOnEachBackend")
    @Tag("stress")
    void interruptible_grantRacesInterrupt_returnsGrantOrLeavesNothing(WaitingBackend backend,
            Interruptible call) {
        long seed = StressConfig.seed() + 31L * backend.ordinal() + call.ordinal();
        Random random = new Random(seed);
        WaitingBackend.Subject s = backend.create();
        MultiLock lock = s.lock;
        int[] outcomes = new int[2]; // granted, interrupted
        race((racer, i) -> {
            Handle holder = take(lock, EXCLUSIVE);
            BlockedCall<Handle> blocked = BlockedCall.start("multilock-" + call,
                    () -> call.call(lock, EXCLUSIVE));
            awaitQueued(lock, blocked);
            racer.race(holder::release, GrantCancelRaceTest.jitter(random), blocked::interrupt,
                    GrantCancelRaceTest.jitter(random));
            Supplier<String> where = () -> "iteration " + i + ", " + call + "(EXCLUSIVE) on " + s
                    + "; " + StressConfig.rerun(seed);
            Throwable thrown = blocked.awaitEnd();
            if (thrown != null) {
                assertInstanceOf(InterruptedException.class, thrown, where);
            }
            Handle h = thrown == null ? blocked.result() : null;
            if (h != null) {
                outcomes[0]++;
                Handle held = h;
                assertTrue(h.isHeld() && lock.locked() == EXCLUSIVE, () -> "W4: " + call
                        + " returned a grant that is not held: " + held + "; " + where.get());
                assertTrue(h.release(), () -> "rule 5: " + where.get());
            } else {
                outcomes[1]++;
            }
            Handle returned = h;
            assertAtRest(s, () -> "W4/rule 3: " + call + " that " + (returned == null
                    ? "threw InterruptedException" : "returned a grant") + " left the lock held"
                    + " or queued (a raced grant dropped?); " + where.get());
        });
        System.out.println("BlockingLockTest interrupt race, " + call + " on " + backend
                + ": granted " + outcomes[0] + ", interrupted " + outcomes[1]);
    }

    /**
     * {@code lock()} called inside a continuation (here: of an acquisition granted by a release on
     * the same thread, so the thread is delivering grants further up its stack), at the moment
     * another thread releases the lock it waits for. A continuation may block its own thread
     * (MultiLock's Javadoc: it delays its own thread, never another's grants); the grant that the
     * other release enables must still reach it. If the waiting request finds the holders gone
     * just after it queued, it grants itself (it owns the queue for that moment); that grant must
     * wake it like any other, or the thread waits for ever for a lock the lock says it holds.
     *
     * <p>Fails on the implementation of b5cb679, on every backend: the self-grant's delivery is
     * put on this thread's trampoline, which the frame further up (the one delivering the
     * continuation) runs only after the continuation returns, so the continuation parks for
     * ever while the lock shows it granted. A set, which waits on its future, does the same
     * with the leaf waiter's future.
     */
    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    @Tag("stress")
    void lock_insideContinuationRacingReleaseElsewhere_returnsGrant(WaitingBackend backend) {
        long seed = StressConfig.seed() + 7L * backend.ordinal();
        Random random = new Random(seed);
        race(CONTINUATION_RACE_ITERATIONS, StressConfig.millis() / 2, (racer, i) -> {
            WaitingBackend.Subject s = backend.create();
            MultiLock lock = s.lock;
            Handle holder = take(lock, EXCLUSIVE);
            MultiLock outer = MultiLock.create();
            Handle outerHolder = take(outer, EXCLUSIVE);
            CompletableFuture<Handle> inside = new CompletableFuture<>();
            AtomicReference<Thread> waiting = new AtomicReference<>();
            StartLine start = new StartLine();
            int waiterSpins = random.nextInt(CONTINUATION_SPINS);
            int releaserSpins = random.nextInt(CONTINUATION_SPINS);
            CompletableFuture<Void> continuation = outer.acquire(EXCLUSIVE).thenAccept(o -> {
                waiting.set(Thread.currentThread());
                start.arriveAndAwaitGo(waiterSpins);
                inside.complete(lock.lock(EXCLUSIVE));
                o.release();
            });
            try {
                // the racer releases outerHolder, which runs the continuation on its thread;
                // both sides then start from one line, a few spins apart
                racer.race(outerHolder::release, 0, () -> {
                    start.awaitArrivalAndGo(releaserSpins);
                    holder.release();
                }, 0);
            } catch (AssertionError hung) {
                throw new AssertionError("W1/rule 2: lock(EXCLUSIVE) inside a continuation,"
                        + " racing a release on another thread, never returned (iteration " + i
                        + "), though the lock shows it granted: " + lock + "; the continuation's"
                        + " thread is " + stackOf(waiting.get()) + "; " + backend
                        + ", " + StressConfig.rerun(seed), hung);
            }
            assertTrue(continuation.isDone(), () -> "the continuation did not end; " + lock);
            assertTrue(inside.join().release(), "rule 5: the first release returned false");
            s.assertAtRest();
        });
    }

    /**
     * Lines two threads up right before their racing calls, so that only a few spins, not the
     * paths that lead there, separate them.
     */
    private static final class StartLine {
        private volatile boolean arrived;
        private volatile boolean go;

        /** The waiting side: says it is there, waits for the go, then spins. */
        void arriveAndAwaitGo(int spins) {
            arrived = true;
            awaitTrue(() -> go);
            Racer.spin(spins);
        }

        /** The other side: waits for the waiting side, gives the go, then spins. */
        void awaitArrivalAndGo(int spins) {
            awaitTrue(() -> arrived);
            go = true;
            Racer.spin(spins);
        }

        /** Spins, then yields, until {@code flag} holds; gives up after a while. */
        private static void awaitTrue(BooleanSupplier flag) {
            long deadline =
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(BlockedCall.TIMEOUT_SECONDS);
            for (int n = 0; !flag.getAsBoolean(); n++) {
                if (n < 1 << 10) {
                    Thread.onSpinWait();
                } else if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the other side of the race never came");
                } else {
                    Thread.yield();
                }
            }
        }
    }

    /** The state and stack of {@code t}, for messages. */
    private static String stackOf(Thread t) {
        if (t == null) {
            return "not started";
        }
        StringBuilder b = new StringBuilder(t.getName()).append(' ').append(t.getState());
        for (StackTraceElement e : t.getStackTrace()) {
            b.append(System.lineSeparator()).append("    at ").append(e);
        }
        return b.toString();
    }

    /** One iteration of a race. */
    private interface Iteration {
        void run(Racer racer, int i);
    }

    /**
     * Runs {@code iteration} {@value #RACE_ITERATIONS} times or for a quarter of the stress time,
     * whichever ends first, but at least {@value #MIN_RACE_ITERATIONS} times.
     */
    private static void race(Iteration iteration) {
        race(Math.min(RACE_ITERATIONS, StressConfig.iterations()), StressConfig.millis() / 4,
                iteration);
    }

    /** Runs {@code iteration} up to {@code iterations} times or for {@code millis}. */
    private static void race(int iterations, long millis, Iteration iteration) {
        long budget = TimeUnit.MILLISECONDS.toNanos(millis);
        long start = System.nanoTime();
        try (Racer racer = new Racer("multilock-racer")) {
            for (int i = 0; i < iterations
                    && (i < MIN_RACE_ITERATIONS || System.nanoTime() - start < budget); i++) {
                iteration.run(racer, i);
            }
        }
    }

    private static Optional<Handle> tryLockOrFail(MultiLock lock, Duration timeout) {
        try {
            return lock.tryLock(EXCLUSIVE, timeout);
        } catch (InterruptedException e) {
            throw new AssertionError("nobody interrupts this thread", e);
        }
    }

    /** Polls, bounded, until the call's request is counted in the queue (or the call ended). */
    private static void awaitQueued(MultiLock lock, BlockedCall<?> call) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BlockedCall.TIMEOUT_SECONDS);
        while (lock.queueLength() == 0 && !call.isDone()) {
            if (System.nanoTime() - deadline > 0) {
                fail("the request of " + call.thread().getName() + " was not queued within "
                        + BlockedCall.TIMEOUT_SECONDS + " s; " + lock);
            }
            Thread.yield(); // the caller's thread is starting: let it run (2 cores in CI)
        }
    }

    private static void assertAtRest(WaitingBackend.Subject s, Supplier<String> where) {
        try {
            s.assertAtRest();
        } catch (AssertionError e) {
            throw new AssertionError(where.get() + ": " + e.getMessage(), e);
        }
    }
}
