package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MultiLock#whenAcquirable(MultiLockType)}: the seed's {@code wait}, one test per bullet of
 * BEHAVIOUR.md, plus the API.md rules: completes after a release, withdrawal or downgrade,
 * acquires nothing, one-shot, and a cancelled one leaves nothing behind.
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}, where a
 * wait may complete a round trip later (a look at {@code pg_locks}): {@link Backend#await}.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
@TestInstance(Lifecycle.PER_CLASS)
class WhenAcquirableTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    private static final MultiLockType[] TYPES = MultiLockType.values();

    // ---- the wait bullet of BEHAVIOUR.md: returns when the type is acquirable ----

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_unlocked_completedAtOnceForEveryType(Backend backend) {
        MultiLock lock = backend.create();
        for (MultiLockType type : TYPES) {
            CompletableFuture<Void> f = backend.await(lock.whenAcquirable(type), "wait: " + type
                    + " is acquirable on an unlocked lock, so the future must be complete at once");
            assertFalse(f.isCompletedExceptionally(), "completed normally: " + f);
            assertNull(f.join());
        }
        backend.assertWatchers(lock, 0, "a whenAcquirable completed at once must"
                + " register nothing; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_sharedHeld_sharedAndNoneAtOnceExclusiveWaits(Backend backend) {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        backend.await(lock.whenAcquirable(SHARED), "SHARED is acquirable beside SHARED");
        backend.await(lock.whenAcquirable(NONE), "NONE is acquirable beside SHARED");
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        assertFalse(exclusive.isDone(), "wait: EXCLUSIVE is not acquirable while SHARED is"
                + " held; " + lock);
        reader.release();
        backend.await(exclusive, "wait: the last SHARED release makes EXCLUSIVE"
                + " acquirable; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_exclusiveHeld_everyTypeCompletesOnRelease(Backend backend) {
        for (MultiLockType type : TYPES) {
            MultiLock lock = backend.create();
            Handle writer = take(lock, EXCLUSIVE);
            CompletableFuture<Void> f = lock.whenAcquirable(type);
            assertFalse(f.isDone(), "wait: " + type + " is not acquirable while EXCLUSIVE is"
                    + " held; " + lock);
            writer.release();
            backend.await(f, "wait: the release must complete the wait for " + type
                    + " before it returns; " + lock);
            assertFalse(f.isCompletedExceptionally(), "completed normally: " + f);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_releaseLeavesTypeUnacquirable_staysPending(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        first.release();
        assertFalse(exclusive.isDone(), "a SHARED holder remains: EXCLUSIVE is not acquirable;"
                + " " + lock);
        second.release();
        backend.await(exclusive, "the last release must complete the wait; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_releaseGrantsQueuedExclusive_staysPending(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> queued = lock.acquire(EXCLUSIVE);
        CompletableFuture<Void> shared = lock.whenAcquirable(SHARED);
        writer.release();
        backend.await(queued);
        assertFalse(shared.isDone(), "the release handed the lock to a queued EXCLUSIVE, so"
                + " SHARED is still not acquirable; " + lock);
        queued.join().release();
        backend.await(shared, "the next release must complete the wait; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_afterWithdrawal_completes(Backend backend) {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        CompletableFuture<Void> shared = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> none = lock.whenAcquirable(NONE);
        assertFalse(shared.isDone() || none.isDone(), "strict FIFO: a queued EXCLUSIVE makes"
                + " SHARED and NONE unacquirable; " + lock);
        writer.cancel(false);
        backend.await(shared, "the withdrawal of the queued EXCLUSIVE makes SHARED"
                + " acquirable and must complete the wait; " + lock);
        backend.await(none, "the withdrawal of the queued EXCLUSIVE makes NONE"
                + " acquirable and must complete the wait; " + lock);
        reader.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_afterDowngrade_completes(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Void> shared = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> none = lock.whenAcquirable(NONE);
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        assertTrue(writer.downgrade());
        backend.await(shared, "the downgrade makes SHARED acquirable and must complete"
                + " the wait; " + lock);
        backend.await(none, "the downgrade makes NONE acquirable and must complete the"
                + " wait; " + lock);
        assertFalse(exclusive.isDone(), "EXCLUSIVE is not acquirable after a downgrade; "
                + lock);
        writer.release();
        backend.await(exclusive, "the release of the downgraded handle must complete"
                + " the EXCLUSIVE wait; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_continuation_seesTypeAcquirable(Backend backend) throws Exception {
        for (MultiLockType type : TYPES) {
            MultiLock lock = backend.create();
            Handle writer = take(lock, EXCLUSIVE);
            CompletableFuture<Boolean> acquirable = lock.whenAcquirable(type).thenApply(v -> {
                Optional<Handle> h = lock.tryAcquire(type);
                h.ifPresent(Handle::release);
                return h.isPresent();
            });
            writer.release();
            assertTrue(acquirable.get(5, SECONDS), "wait: when the future completes, a"
                    + " tryAcquire(" + type + ") must succeed; " + lock);
        }
    }

    // ---- acquires nothing ----

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_pendingOrCompleted_acquiresNothing(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        assertEquals(0, lock.queueLength(), "a pending whenAcquirable is no waiter and must"
                + " not count in queueLength(); " + lock);
        Handle another = lock.tryAcquire(SHARED).orElse(null);
        assertTrue(another != null, "a pending whenAcquirable must not keep new SHARED"
                + " acquirers out as a queued EXCLUSIVE would; " + lock);
        another.release();
        CompletableFuture<String> seen = exclusive.thenApply(v -> lock.locked() + "/"
                + lock.queueLength());
        reader.release();
        assertEquals("NONE/0", seen.get(5, SECONDS), "whenAcquirable must acquire nothing:"
                + " the lock must be NONE with an empty queue when it completes");
        assertEquals(NONE, lock.locked(), "whenAcquirable must acquire nothing; " + lock);
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElse(null);
        assertTrue(writer != null, "EXCLUSIVE must still be free after the wait; " + lock);
        writer.release();
    }

    // ---- one-shot, cancellation, no growth ----

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_completed_isOneShotAndUnregistered(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Void> f = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> g = lock.whenAcquirable(SHARED);
        assertNotSame(f, g, "each call must return its own future");
        backend.assertWatchers(lock, 2, "a pending whenAcquirable registers with the lock; "
                + lock);
        writer.release();
        backend.eventually(() -> f.isDone() && g.isDone(), "one release must complete every"
                + " pending wait; " + lock);
        backend.assertWatchers(lock, 0, "a completed whenAcquirable is one-shot"
                + " and must unregister; " + lock);
        Handle again = take(lock, EXCLUSIVE);
        CompletableFuture<Void> h = lock.whenAcquirable(SHARED);
        assertFalse(h.isDone(), "a new call must wait again; " + lock);
        again.release();
        backend.await(h);
        backend.assertWatchers(lock, 0, "leak: " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_cancelled_unregisters(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Void> f = lock.whenAcquirable(SHARED);
        backend.assertWatchers(lock, 1, "a pending whenAcquirable is registered; " + lock);
        assertTrue(f.cancel(false));
        backend.assertWatchers(lock, 0, "cancelling a whenAcquirable must unregister it; "
                + lock);
        writer.release();
        assertTrue(f.isCancelled(), "a later release must not touch a cancelled wait");
        assertEquals(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_completedByCaller_unregisters(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Void> failed = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> completed = lock.whenAcquirable(EXCLUSIVE);
        assertTrue(failed.completeExceptionally(new IllegalStateException("caller gave up")));
        assertTrue(completed.complete(null));
        backend.assertWatchers(lock, 0, "a whenAcquirable completed by the caller must"
                + " unregister; " + lock);
        writer.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirableCancel_millionCycles_lockKeepsNothing(Backend backend) {
        // Every cycle gives the future up from outside: one in sixteen by cancel(), one in
        // sixteen by completeExceptionally(), the rest by complete(null). All withdraw through the
        // same completion of the future; the first two pay for exception stack traces (a few
        // microseconds each under JUnit's deep stack), so a million cancels alone would take
        // many seconds without testing anything more.
        // On PostgreSQL each cycle also registers with the key's server hold and its serial
        // section: 10,000 cycles show growth there as well, at a CI-sized cost.
        int cycles = backend.inOneJvm() ? 1_000_000 : 10_000;
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        IllegalStateException gaveUp = new IllegalStateException("caller gave up");
        for (int i = 0; i < cycles; i++) {
            CompletableFuture<Void> f = lock.whenAcquirable(EXCLUSIVE);
            boolean withdrawn = (i & 15) == 0 ? f.cancel(false)
                    : (i & 15) == 8 ? f.completeExceptionally(gaveUp) : f.complete(null);
            if (!withdrawn) {
                fail("whenAcquirable(EXCLUSIVE) completed while SHARED is held; " + lock);
            }
        }
        backend.assertWatchers(lock, 0, cycles + " whenAcquirable+cancel cycles must leave"
                + " nothing registered; " + lock);
        CompletableFuture<Void> live = lock.whenAcquirable(EXCLUSIVE);
        backend.assertWatchers(lock, 1, "the count must see a pending wait; " + lock);
        reader.release();
        backend.await(live, "whenAcquirable must still work after the cycles; " + lock);
        backend.assertWatchers(lock, 0, "leak: " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_nullType_throwsNpeNamingType(Backend backend) {
        MultiLock lock = backend.create();
        NullPointerException e =
                assertThrows(NullPointerException.class, () -> lock.whenAcquirable(null));
        assertTrue(String.valueOf(e.getMessage()).contains("type"),
                "the NullPointerException must name the parameter 'type': " + e.getMessage());
        backend.assertWatchers(lock, 0, "a failed call must register nothing; " + lock);
    }

    // ---- races ----

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_racingRelease_neverMissesTheEvent(Backend backend) throws Exception {
        // PostgreSQL takes a few round trips per round (the writer's server lock and its release):
        // 200 rounds there.
        int rounds = backend.inOneJvm() ? 2_000 : 200;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < rounds; i++) {
                MultiLock lock = backend.create();
                Handle writer = take(lock, EXCLUSIVE);
                CountDownLatch go = new CountDownLatch(1);
                MultiLockType type = i % 2 == 0 ? SHARED : EXCLUSIVE;
                Future<CompletableFuture<Void>> waiting = pool.submit(() -> {
                    go.await();
                    return lock.whenAcquirable(type);
                });
                Future<Boolean> releasing = pool.submit(() -> {
                    go.await();
                    return writer.release();
                });
                go.countDown();
                assertTrue(releasing.get(5, SECONDS));
                CompletableFuture<Void> f = waiting.get(5, SECONDS);
                try {
                    f.get(5, SECONDS);
                } catch (TimeoutException e) {
                    fail("lost wake-up: a whenAcquirable that raced with the release is still"
                            + " pending with the lock free (iteration " + i + "); " + lock);
                }
                int round = i;
                backend.assertWatchers(lock, 0, "leak: a completed whenAcquirable"
                        + " stayed registered (iteration " + round + "); " + lock);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void whenAcquirable_manyPending_allCompletedByOneRelease(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            waits.add(lock.whenAcquirable(TYPES[i % TYPES.length]));
        }
        writer.release();
        for (CompletableFuture<Void> f : waits) {
            backend.await(f, "the release must complete every pending wait; " + lock);
        }
        backend.assertWatchers(lock, 0, "leak: " + lock);
    }
}
