package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MultiLock#acquire(MultiLockType, Executor)}: a request that had to wait is completed on
 * the executor, one granted at once never touches it, and an executor that rejects the task
 * gets the grant released again, so the lock stays usable and comes to rest empty.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}.
 */
@TestInstance(Lifecycle.PER_CLASS)
class ExecutorTest {

    static final String POOL_THREAD = "multilock-executor-test-";
    static final int WAITERS = 1_000;
    static final long TIMEOUT_SECONDS = 10;

    private ExecutorService pool;

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    @BeforeEach
    void startPool() {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory named = r -> {
            Thread t = new Thread(r, POOL_THREAD + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        pool = Executors.newFixedThreadPool(2, named);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS),
                "the test pool did not stop");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_waitingWithExecutor_completesOnExecutorThread(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE, pool);
        assertFalse(f.isDone(), "granted beside an EXCLUSIVE holder: " + lock);
        CompletableFuture<Thread> ranOn = f.thenApply(h -> {
            h.release();
            return Thread.currentThread();
        });

        assertTrue(holder.release(), "rule 5: the first release of the holder returned false");

        Thread t = ranOn.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertTrue(t.getName().startsWith(POOL_THREAD), "a waiting acquire(type, executor) must be"
                + " completed on the executor, but its continuation ran on " + t.getName());
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_freeLockWithExecutor_completesAtOnceWithoutExecutor(Backend backend) {
        assumeTrue(backend.synchronousGrants(), "exact synchrony: on PostgreSQL a lock that no"
                + " server lock of this process covers is granted after a round trip, on the"
                + " executor");
        MultiLock lock = backend.create();
        AtomicInteger calls = new AtomicInteger();
        Executor counting = r -> {
            calls.incrementAndGet();
            r.run();
        };

        CompletableFuture<Handle> f = lock.acquire(SHARED, counting);

        assertTrue(f.isDone() && !f.isCompletedExceptionally(),
                "a request that can be granted at once must be returned complete: " + f);
        assertEquals(0, calls.get(), "a request granted at once must never touch the executor");
        assertTrue(f.join().release(), "rule 5: the first release returned false");
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_thousandQueuedExecutorWaitersThatRelease_allCompleteInOrderOnExecutor(
            Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>();
        AtomicReference<String> fault = new AtomicReference<>();
        List<CompletableFuture<Void>> stages = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            int index = i;
            stages.add(lock.acquire(EXCLUSIVE, pool).thenAccept(h -> {
                order.add(index);
                String on = Thread.currentThread().getName();
                if (!on.startsWith(POOL_THREAD)) {
                    fault.compareAndSet(null, "waiter " + index + " was completed on " + on
                            + ", not on its executor");
                }
                if (!h.release()) {
                    fault.compareAndSet(null, "rule 5: waiter " + index + "'s first release"
                            + " returned false");
                }
            }));
        }
        assertEquals(WAITERS, lock.queueLength(), "queueLength() before the chain: " + lock);

        holder.release();

        try {
            CompletableFuture.allOf(stages.toArray(new CompletableFuture<?>[0]))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail("rule 3: " + stages.stream().filter(s -> !s.isDone()).count() + " of " + WAITERS
                    + " executor waiters not complete after " + TIMEOUT_SECONDS + " s; " + lock);
        }
        assertNull(fault.get(), "a continuation recorded a fault");
        List<Integer> ran = new ArrayList<>(order);
        assertEquals(WAITERS, ran.size(), "continuations run");
        for (int k = 0; k < WAITERS; k++) {
            if (ran.get(k) != k) {
                fail("rule 2 (FIFO): the " + k + "-th EXCLUSIVE waiter to run was waiter "
                        + ran.get(k));
            }
        }
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_rejectingExecutor_releasesGrantAndLetsNextWaiterIn(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        RejectedExecutionException rejection = new RejectedExecutionException("planted rejection");
        Executor rejecting = r -> {
            throw rejection;
        };
        CompletableFuture<Handle> refused = lock.acquire(EXCLUSIVE, rejecting);
        CompletableFuture<Handle> next = lock.acquire(SHARED);

        assertDoesNotThrow(() -> holder.release(), "release() must not throw the executor's"
                + " rejection");

        backend.await(refused);
        assertTrue(refused.isCompletedExceptionally(), "the future of a grant the executor"
                + " rejected must fail: " + refused);
        assertSame(rejection, refused.handle((h, ex) -> ex).join(),
                "the future must fail with the executor's own exception");
        backend.await(next, "rule 3: the waiter behind the rejected grant was not let in"
                + " when that grant was released again; " + lock);
        assertEquals(SHARED, lock.locked(), "the rejected EXCLUSIVE grant is still held: " + lock);
        assertTrue(next.join().release(), "rule 5: the first release returned false");
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_executorRejectingEveryOtherTask_allSettleAndLockComesToRest(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        AtomicInteger tasks = new AtomicInteger();
        Executor flaky = r -> {
            if ((tasks.incrementAndGet() & 1) == 0) {
                throw new RejectedExecutionException("planted rejection");
            }
            pool.execute(r);
        };
        List<CompletableFuture<Handle>> futures = new ArrayList<>();
        List<CompletableFuture<Void>> stages = new ArrayList<>();
        AtomicInteger granted = new AtomicInteger();
        for (int i = 0; i < WAITERS; i++) {
            MultiLockType type = i % 3 == 2 ? EXCLUSIVE : SHARED;
            CompletableFuture<Handle> f = lock.acquire(type, flaky);
            futures.add(f);
            stages.add(f.handle((h, ex) -> {
                if (h != null) {
                    granted.incrementAndGet();
                    h.release();
                }
                return null;
            }));
        }

        holder.release();

        try {
            CompletableFuture.allOf(stages.toArray(new CompletableFuture<?>[0]))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail("rule 3: " + futures.stream().filter(s -> !s.isDone()).count() + " of " + WAITERS
                    + " waiters not settled after " + TIMEOUT_SECONDS + " s with an executor that"
                    + " rejects every other task; " + lock);
        }
        long failed = futures.stream().filter(CompletableFuture::isCompletedExceptionally).count();
        assertEquals(WAITERS, granted.get() + failed, "every waiter is either granted or failed");
        assertTrue(failed > 0 && granted.get() > 0, "the executor rejected " + failed
                + " of " + WAITERS + " tasks; expected about half");
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_callerRunsExecutorChainOnSmallStack_completesAllWithoutOverflow(Backend backend)
            throws Exception {
        // an executor that runs the task at once, in the caller (as Runnable::run does) must not
        // defeat rule 4: the chain still runs at constant depth.
        // On PostgreSQL the chain is the hand-off of one server lock inside the process, run by the
        // key's bookkeeping; it is checked with 10,000 waiters there (each costs more), which
        // recursion would overflow on this stack as surely.
        int waiters = backend.inOneJvm() ? StackSafetyTest.WAITERS / 2
                : StackSafetyTest.POSTGRES_WAITERS;
        Executor callerRuns = Runnable::run;
        MultiLock lock = backend.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        int[] ran = new int[1]; // written by the chain's one thread, read after join
        List<CompletableFuture<Void>> stages = new ArrayList<>(waiters);
        for (int i = 0; i < waiters; i++) {
            stages.add(lock.acquire(EXCLUSIVE, callerRuns).thenAccept(h -> {
                ran[0]++;
                h.release();
            }));
        }
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                holder.release();
            } catch (Throwable x) {
                thrown.set(x);
            }
        }, "multilock-small-stack", StackSafetyTest.SMALL_STACK);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(StackSafetyTest.TIMEOUT_SECONDS));
        assertFalse(t.isAlive(), "rule 4: the chain did not finish");
        assertNull(thrown.get(), "rule 4: the release that set off the chain threw");
        for (int i = 0; i < waiters; i++) {
            CompletableFuture<Void> s = stages.get(i);
            if (!s.isDone() || s.isCompletedExceptionally()) {
                Throwable cause = s.isDone() ? s.handle((v, ex) -> ex).join() : null;
                throw new AssertionError("rule 4: continuation " + i + " of " + waiters + " with"
                        + " a caller-runs executor " + (s.isDone() ? "threw " + cause
                                : "never ran") + " (" + ran[0] + " ran)", cause);
            }
        }
        assertEquals(waiters, ran[0], "continuations run");
        Quiescence.assertAtRest(lock);
    }
}
