package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * API.md rule 3, cancellation and timeouts, and the executor overload of {@code acquire}: a
 * pending acquisition completed by anyone but the lock is withdrawn and lets in the waiters it
 * held back; a grant that raced with such a completion is released again; nothing leaks.
 *
 * <p>The central scenario: a SHARED holder, an EXCLUSIVE request queued, and a second SHARED
 * request queued behind it. Withdrawing the EXCLUSIVE must let the second SHARED in at once.
 * Timer-driven withdrawals ({@code orTimeout}, {@code completeOnTimeout}) are awaited with a
 * bounded {@code get}, never a sleep.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}, where a
 * grant that needs the server comes a round trip later ({@link Backend#await}).
 */
@Timeout(value = 5, unit = SECONDS)
@TestInstance(Lifecycle.PER_CLASS)
class CancellationTest {

    private static final long WAIT_S = 5;
    private static final long SHORT_TIMEOUT_MS = 20;
    private static final String EXECUTOR_THREAD = "multilock-test-executor";

    private final List<ExecutorService> executors = new ArrayList<>();

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    Stream<Arguments> backendsAndTypes() {
        return Backend.withTypes(backends(), MultiLockType.values());
    }

    @AfterEach
    void shutDownExecutors() {
        executors.forEach(ExecutorService::shutdownNow);
        executors.clear(); // one instance for every test (PER_CLASS)
    }

    private ExecutorService singleThread(String name) {
        ExecutorService e = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        executors.add(e);
        return e;
    }

    /** Releases {@code handles}, then checks that the lock is back to unlocked and reusable. */
    private static void assertNothingLeaks(MultiLock lock, Handle... handles) {
        for (Handle h : handles) {
            h.release();
        }
        assertSame(NONE, lock.locked(), "no hold leaked: " + lock);
        assertEquals(0, lock.queueLength(), "no waiter leaked: " + lock);
        Handle fresh = lock.tryAcquire(EXCLUSIVE)
                .orElseThrow(() -> new AssertionError("a fresh EXCLUSIVE is refused: " + lock));
        fresh.release();
        assertSame(NONE, lock.locked());
    }

    /** A SHARED holder, then an EXCLUSIVE request and a SHARED request queued behind it. */
    private static final class Scenario {
        final Backend backend;
        final MultiLock lock;
        final Handle reader;
        final CompletableFuture<Handle> writer;
        final CompletableFuture<Handle> lateReader;

        Scenario(Backend backend) {
            this.backend = backend;
            this.lock = backend.create();
            this.reader = take(lock, SHARED);
            this.writer = lock.acquire(EXCLUSIVE);
            this.lateReader = lock.acquire(SHARED);
            assertFalse(writer.isDone(), "the EXCLUSIVE request waits for the reader");
            assertFalse(lateReader.isDone(), "the late SHARED request waits behind the writer");
            assertEquals(2, lock.queueLength());
        }

        /** After the writer's withdrawal: the late reader is in beside the first one. */
        void assertLateReaderIn() {
            Handle late = backend.granted(lateReader);
            assertSame(SHARED, late.type());
            assertSame(SHARED, lock.locked());
            assertEquals(0, lock.queueLength(), "the withdrawn writer is no longer counted");
            assertTrue(reader.isHeld(), "the first reader still holds");
            assertNothingLeaks(lock, reader, late);
        }
    }

    // ---- withdrawal lets the waiters behind in ----

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_exclusiveQueuedBetweenShared_lateSharedGrantedAtOnce(Backend backend) {
        Scenario s = new Scenario(backend);
        assertTrue(s.writer.cancel(false));
        s.backend.await(s.lateReader, "the late reader is in as soon as cancel returns");
        assertTrue(s.writer.isCancelled());
        s.assertLateReaderIn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void completeExceptionally_exclusiveQueuedBetweenShared_lateSharedGrantedAtOnce(
            Backend backend) {
        Scenario s = new Scenario(backend);
        IllegalStateException failure = new IllegalStateException("given up");
        assertTrue(s.writer.completeExceptionally(failure));
        s.backend.await(s.lateReader, "the late reader is in as soon as the call returns");
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> s.writer.get(0, SECONDS));
        assertSame(failure, e.getCause());
        s.assertLateReaderIn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void completeNull_exclusiveQueuedBetweenShared_lateSharedGrantedAtOnce(Backend backend) {
        Scenario s = new Scenario(backend);
        assertTrue(s.writer.complete(null));
        s.backend.await(s.lateReader, "the late reader is in as soon as complete returns");
        assertNull(s.writer.join(), "the outside value stands");
        s.assertLateReaderIn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void orTimeout_exclusiveQueuedBetweenShared_lateSharedGrantedOnTimeout(Backend backend)
            throws Exception {
        Scenario s = new Scenario(backend);
        s.writer.orTimeout(SHORT_TIMEOUT_MS, MILLISECONDS);
        s.lateReader.get(WAIT_S, SECONDS);
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> s.writer.get(WAIT_S, SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        s.assertLateReaderIn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void completeOnTimeout_exclusiveQueuedBetweenShared_lateSharedGrantedOnTimeout(Backend backend)
            throws Exception {
        Scenario s = new Scenario(backend);
        s.writer.completeOnTimeout(null, SHORT_TIMEOUT_MS, MILLISECONDS);
        s.lateReader.get(WAIT_S, SECONDS);
        assertNull(s.writer.get(WAIT_S, SECONDS), "the timeout's value stands");
        s.assertLateReaderIn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_fromAnotherThread_lateSharedCompletedOnCancellerThread(Backend backend)
            throws Exception {
        assumeTrue(backend.synchronousGrants(), "rule 4's thread: PostgreSQL completes a grant"
                + " on the canceller's thread only when no library thread runs the key's"
                + " bookkeeping at that moment, else on its executor");
        Scenario s = new Scenario(backend);
        CompletableFuture<String> grantedOn =
                s.lateReader.thenApply(h -> Thread.currentThread().getName());
        ExecutorService canceller = singleThread("multilock-test-canceller");
        assertTrue(canceller.submit(() -> s.writer.cancel(false)).get(WAIT_S, SECONDS));
        assertEquals("multilock-test-canceller", grantedOn.get(WAIT_S, SECONDS),
                "rule 4: the waiter is completed by the thread that let it in");
        s.assertLateReaderIn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_middleWaiter_queueLengthDropsByOneAndRunJoinsAcrossGap(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> s1 = lock.acquire(SHARED);
        CompletableFuture<Handle> e2 = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> s3 = lock.acquire(SHARED);
        assertEquals(3, lock.queueLength());

        assertTrue(e2.cancel(false));
        assertEquals(2, lock.queueLength(), "one fewer waiter right after cancel");
        assertFalse(s1.isDone(), "the EXCLUSIVE holder still holds");
        assertFalse(s3.isDone(), "the EXCLUSIVE holder still holds");
        assertSame(EXCLUSIVE, lock.locked());

        holder.release();
        Handle h1 = backend.granted(s1);
        Handle h3 = backend.granted(s3);
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
        assertNothingLeaks(lock, h1, h3);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_headWaiterWhileExclusiveHeld_nextWaiterStillWaits(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> e1 = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> s2 = lock.acquire(SHARED);

        assertTrue(e1.cancel(false));
        assertEquals(1, lock.queueLength(), "one fewer waiter right after cancel");
        assertFalse(s2.isDone(), "the withdrawal lets nothing in beside an EXCLUSIVE holder");
        assertSame(EXCLUSIVE, lock.locked());

        holder.release();
        assertNothingLeaks(lock, backend.granted(s2));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_twice_withdrawsOnce(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> s1 = lock.acquire(SHARED);
        CompletableFuture<Handle> s2 = lock.acquire(SHARED);
        assertTrue(s1.cancel(false));
        assertTrue(s1.cancel(false), "a cancelled future stays cancelled");
        assertFalse(s1.completeExceptionally(new IllegalStateException()), "already done");
        assertFalse(s1.complete(null), "already done");
        assertEquals(1, lock.queueLength(), "the request is withdrawn once, not thrice");
        assertFalse(s2.isDone());

        holder.release();
        assertNothingLeaks(lock, backend.granted(s2));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_everyWaiter_nothingLeaks(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        List<CompletableFuture<Handle>> waiters = new ArrayList<>();
        MultiLockType[] types = MultiLockType.values();
        for (int i = 0; i < 30; i++) {
            waiters.add(lock.acquire(types[i % types.length]));
        }
        assertEquals(30, lock.queueLength());
        for (int i = 0; i < waiters.size(); i++) {
            assertTrue(waiters.get(i).cancel(false));
            assertEquals(30 - i - 1, lock.queueLength(), "after " + (i + 1) + " cancels");
        }
        assertSame(EXCLUSIVE, lock.locked());
        assertNothingLeaks(lock, holder);
    }

    // ---- a granted future is the lock's: completing it again releases nothing ----

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_grantedAtOnce_returnsFalseAndHandleStaysHeld(Backend backend) {
        MultiLock lock = backend.create();
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE);
        Handle h = backend.granted(f);
        CompletableFuture<Handle> waiter = lock.acquire(SHARED);

        assertFalse(f.cancel(false), "a granted future cannot be cancelled");
        assertFalse(f.isCancelled());
        assertSame(h, f.join());
        assertTrue(h.isHeld(), "cancel does not release a granted handle");
        assertSame(EXCLUSIVE, lock.locked());
        assertFalse(waiter.isDone(), "nothing let in");
        assertEquals(1, lock.queueLength());

        assertTrue(h.release(), "the handle is released by its own release");
        assertNothingLeaks(lock, backend.granted(waiter));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_grantedAfterWaiting_returnsFalseAndHandleStaysHeld(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> waiter = lock.acquire(SHARED);
        holder.release();
        Handle h = backend.granted(f);

        assertFalse(f.cancel(false), "a granted future cannot be cancelled");
        assertFalse(f.completeExceptionally(new IllegalStateException()), "already done");
        assertFalse(f.complete(null), "already done");
        assertSame(h, f.join());
        assertTrue(h.isHeld(), "completing a granted future does not release its handle");
        assertSame(EXCLUSIVE, lock.locked());
        assertFalse(waiter.isDone(), "nothing let in");
        assertEquals(1, lock.queueLength());

        assertTrue(h.release());
        assertNothingLeaks(lock, backend.granted(waiter));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void obtrude_grantedAfterWaiting_doesNotReleaseGrant(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> waiter = lock.acquire(SHARED);
        holder.release();
        Handle h = backend.granted(f);

        f.obtrudeValue(null);
        f.obtrudeException(new IllegalStateException("obtruded"));
        assertTrue(h.isHeld(), "API: obtrude* on a granted future does not release the grant");
        assertSame(EXCLUSIVE, lock.locked());
        assertFalse(waiter.isDone(), "nothing let in");
        assertEquals(1, lock.queueLength());

        assertTrue(h.release(), "release its handle instead");
        assertNothingLeaks(lock, backend.granted(waiter));
    }

    // ---- acquire(type, executor) ----

    @ParameterizedTest
    @MethodSource("backends")
    void acquireWithExecutor_hadToWait_completedOnExecutor(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        ExecutorService executor = singleThread(EXECUTOR_THREAD);
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(SHARED, executor);
        CompletableFuture<String> grantedOn = f.thenApply(h -> Thread.currentThread().getName());
        assertFalse(f.isDone());

        holder.release();
        assertEquals(EXECUTOR_THREAD, grantedOn.get(WAIT_S, SECONDS),
                "a request that had to wait is completed on its executor");
        Handle h = f.get(WAIT_S, SECONDS);
        assertSame(SHARED, h.type());
        assertSame(SHARED, lock.locked());
        assertNothingLeaks(lock, h);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireWithExecutor_releasedFromTestThread_notCompletedOnReleaser(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        ExecutorService executor = singleThread(EXECUTOR_THREAD);
        Handle holder = take(lock, SHARED);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE, executor);
        CompletableFuture<Thread> grantedOn = f.thenApply(h -> Thread.currentThread());
        holder.release();
        assertNotEquals(Thread.currentThread(), grantedOn.get(WAIT_S, SECONDS),
                "the releaser does not run the continuation of an executor's request");
        assertNothingLeaks(lock, f.get(WAIT_S, SECONDS));
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void acquireWithExecutor_canBeTakenAtOnce_alreadyCompleteWithoutExecutor(Backend backend,
            MultiLockType type) {
        assumeTrue(backend.synchronousGrants(), "exact synchrony: on PostgreSQL a request that"
                + " no server lock of this process covers is granted after a round trip, on the"
                + " executor");
        MultiLock lock = backend.create();
        AtomicInteger submitted = new AtomicInteger();
        Executor counting = r -> {
            submitted.incrementAndGet();
            r.run();
        };
        CompletableFuture<Handle> f = lock.acquire(type, counting);
        assertTrue(f.isDone(), "granted at once: the future is returned complete");
        assertSame(type, backend.granted(f).type());
        assertEquals(0, submitted.get(), "a request granted at once never touches the executor");
        assertNothingLeaks(lock, f.join());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireWithExecutor_executorRejects_failsWithRejectionAndReleasesGrant(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        RejectedExecutionException rejection = new RejectedExecutionException("full");
        Executor rejecting = r -> {
            throw rejection;
        };
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(SHARED, rejecting);
        CompletableFuture<Handle> next = lock.acquire(EXCLUSIVE);
        assertFalse(f.isDone());

        holder.release();
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> f.get(WAIT_S, SECONDS));
        assertSame(rejection, e.getCause(), "the future fails with the executor's exception");
        Handle h = backend.granted(next);
        assertSame(EXCLUSIVE, lock.locked(),
                "the rejected SHARED grant was given back, so the EXCLUSIVE behind it is in");
        assertEquals(0, lock.queueLength());
        assertNothingLeaks(lock, h);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireWithExecutor_executorRejectsLastWaiter_lockNotLeaked(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        RejectedExecutionException rejection = new RejectedExecutionException("shut down");
        Handle holder = take(lock, SHARED);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE, r -> {
            throw rejection;
        });
        holder.release();
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> f.get(WAIT_S, SECONDS));
        assertSame(rejection, e.getCause());
        assertNothingLeaks(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_grantedButNotYetDelivered_grantReleasedAgain(Backend backend) {
        MultiLock lock = backend.create();
        Queue<Runnable> tasks = new ConcurrentLinkedQueue<>(); // PostgreSQL may grant elsewhere
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE, tasks::add);
        CompletableFuture<Handle> next = lock.acquire(SHARED);

        holder.release(); // the grant is made; its delivery sits in the executor's queue
        backend.eventually(() -> tasks.size() == 1, "one delivery submitted to the executor");
        assertFalse(f.isDone(), "not delivered yet");
        assertTrue(f.cancel(false), "cancelled before the delivery ran");

        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
        assertTrue(f.isCancelled(), "the outside completion stands");
        assertThrows(CancellationException.class, f::join);
        Handle h = backend.granted(next);
        assertSame(SHARED, lock.locked(), "the raced grant was released again: " + lock);
        assertNothingLeaks(lock, h);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_waitingWithExecutor_withdrawsWithoutTouchingExecutor(Backend backend) {
        MultiLock lock = backend.create();
        AtomicInteger submitted = new AtomicInteger();
        Executor counting = r -> {
            submitted.incrementAndGet();
            r.run();
        };
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE, counting);
        CompletableFuture<Handle> lateReader = lock.acquire(SHARED);
        assertTrue(writer.cancel(false));
        Handle late = backend.granted(lateReader);
        assertEquals(0, submitted.get(), "a withdrawn request is never delivered");
        assertNothingLeaks(lock, reader, late);
        assertEquals(0, submitted.get());
    }
}
