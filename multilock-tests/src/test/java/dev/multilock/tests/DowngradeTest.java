package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
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
 * {@link Handle#downgrade()}: an EXCLUSIVE acquisition becomes SHARED atomically, the waiters that
 * can now share are let in within strict FIFO, and every other handle gets {@code false}.
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}, where the
 * downgrade is atomic in the process at once and on the server a round trip later.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
@TestInstance(Lifecycle.PER_CLASS)
class DowngradeTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_exclusiveHeld_becomesSharedAtomically(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        assertTrue(h.downgrade(), "downgrade of a held EXCLUSIVE handle must return true");
        assertEquals(SHARED, h.type(), "a downgraded handle reports SHARED");
        assertTrue(h.isHeld(), "a downgrade keeps the acquisition held");
        assertEquals(SHARED, lock.locked(), "the lock must be SHARED after the downgrade; "
                + lock);
        assertEquals(0, lock.queueLength());
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty(), "EXCLUSIVE must stay excluded by the"
                + " downgraded SHARED hold; " + lock);
        Handle reader = lock.tryAcquire(SHARED).orElse(null);
        assertTrue(reader != null, "with no waiter, SHARED must be acquirable beside the"
                + " downgraded hold; " + lock);
        reader.release();
        h.release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_exclusiveWaiterQueued_newSharedStillRefused(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        assertTrue(h.downgrade());
        assertTrue(lock.tryAcquire(SHARED).isEmpty(), "strict FIFO: a new SHARED must not"
                + " barge past the queued EXCLUSIVE after a downgrade; " + lock);
        assertFalse(writer.isDone(), "the queued EXCLUSIVE must still wait for the shared hold");
        h.release();
        backend.await(writer, "the release of the downgraded hold must admit the"
                + " EXCLUSIVE; " + lock);
        writer.join().release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_exclusiveThenSharedQueued_sharedStaysQueued(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> reader = lock.acquire(SHARED);
        assertEquals(2, lock.queueLength());
        assertTrue(h.downgrade());
        assertFalse(reader.isDone(), "strict FIFO: a SHARED queued behind a waiting EXCLUSIVE"
                + " must stay queued after the downgrade; " + lock);
        assertFalse(writer.isDone(), "the EXCLUSIVE must wait for the downgraded hold");
        assertEquals(2, lock.queueLength(), "the downgrade must grant nobody here; " + lock);
        h.release();
        backend.await(writer, "FIFO: the EXCLUSIVE first; " + lock);
        assertFalse(reader.isDone(), "FIFO: the EXCLUSIVE first; " + lock);
        writer.get(5, SECONDS).release();
        backend.await(reader, "then the SHARED; " + lock);
        reader.get(5, SECONDS).release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_onlySharedAndNoneWaiters_letsThemAllIn(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        List<CompletableFuture<Handle>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(lock.acquire(i == 2 ? NONE : SHARED));
        }
        assertEquals(5, lock.queueLength());
        assertTrue(h.downgrade());
        for (CompletableFuture<Handle> w : waiters) {
            backend.await(w, "the downgrade must let in every SHARED/NONE waiter, on the"
                    + " downgrading thread before it returns; " + lock);
        }
        assertEquals(0, lock.queueLength(), "no waiter may remain; " + lock);
        assertEquals(SHARED, lock.locked());
        for (CompletableFuture<Handle> w : waiters) {
            w.get(5, SECONDS).release();
        }
        assertEquals(SHARED, lock.locked(), "the downgraded hold remains; " + lock);
        h.release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_sharedExclusiveSharedQueued_letsInOnlyTheRunBeforeTheExclusive(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> first = lock.acquire(SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> last = lock.acquire(SHARED);
        assertTrue(h.downgrade());
        backend.await(first, "the SHARED at the head must be let in; " + lock);
        assertFalse(writer.isDone(), "the EXCLUSIVE must wait for the shared holders");
        assertFalse(last.isDone(), "strict FIFO: the SHARED behind the EXCLUSIVE must wait; "
                + lock);
        assertEquals(2, lock.queueLength());
        first.join().release();
        h.release();
        writer.join().release();
        last.join().release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_notAHeldExclusive_returnsFalseAndChangesNothing(Backend backend) {
        MultiLock lock = backend.create();
        Handle shared = lock.tryAcquire(SHARED).orElseThrow();
        assertFalse(shared.downgrade(), "downgrade of a SHARED handle must return false");
        assertEquals(SHARED, shared.type());
        assertEquals(SHARED, lock.locked());
        Handle none = lock.tryAcquire(NONE).orElseThrow();
        assertFalse(none.downgrade(), "downgrade of a NONE handle must return false");
        assertEquals(NONE, none.type());
        assertEquals(SHARED, lock.locked(), "a refused downgrade must change nothing; " + lock);
        shared.release();
        none.release();
        assertFalse(shared.downgrade(), "downgrade of a released handle must return false");
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        writer.release();
        assertFalse(writer.downgrade(), "downgrade of a released EXCLUSIVE handle must return"
                + " false");
        assertEquals(EXCLUSIVE, writer.type(), "a refused downgrade must not change the type");
        assertEquals(NONE, lock.locked(), "a downgrade of a released handle must not add a"
                + " shared hold; " + lock);
        Handle twice = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        assertTrue(twice.downgrade());
        assertFalse(twice.downgrade(), "a second downgrade must return false");
        twice.release();
        assertEquals(NONE, lock.locked(), "a second downgrade must not add a hold; " + lock);
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_downgradedHandle_releasesTheSharedHold(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        assertTrue(h.downgrade());
        Handle other = lock.tryAcquire(SHARED).orElseThrow();
        assertTrue(h.release(), "the first release of a downgraded handle must return true");
        assertFalse(h.isHeld());
        assertEquals(SHARED, h.type(), "the type stays readable after the release");
        assertEquals(SHARED, lock.locked(), "releasing the downgraded handle must release one"
                + " shared hold, leaving the other; " + lock);
        assertFalse(h.release(), "a second release must return false");
        assertEquals(SHARED, lock.locked(), "a second release must change nothing; " + lock);
        other.release();
        assertEquals(NONE, lock.locked(), "the lock must end NONE; " + lock);
        Optional<Handle> writer = lock.tryAcquire(EXCLUSIVE);
        assertTrue(writer.isPresent(), "no shared hold may leak; " + lock);
        writer.get().release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgradeAndRelease_racingOnOneHandle_lockEndsNoneWithEmptyQueue(Backend backend)
            throws Exception {
        // PostgreSQL takes a few round trips per round (the server lock, its release, the
        // waiter's grant): 100 rounds there.
        int rounds = backend.inOneJvm() ? 3_000 : 100;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int downgrades = 0;
        try {
            for (int i = 0; i < rounds; i++) {
                MultiLock lock = backend.create();
                Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
                // waiters exercise the draining paths of both calls: none, SHARED, EXCLUSIVE
                int variant = i % 3;
                CompletableFuture<Handle> waiter = variant == 0 ? null
                        : lock.acquire(variant == 1 ? SHARED : EXCLUSIVE);
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> downgrading = pool.submit(() -> {
                    go.await();
                    return h.downgrade();
                });
                Future<Boolean> releasing = pool.submit(() -> {
                    go.await();
                    return h.release();
                });
                go.countDown();
                boolean downgraded;
                boolean released;
                try {
                    downgraded = downgrading.get(5, SECONDS);
                    released = releasing.get(5, SECONDS);
                } catch (TimeoutException e) {
                    fail("downgrade or release blocked (iteration " + i + "); " + lock);
                    return;
                }
                if (downgraded) {
                    downgrades++;
                }
                assertTrue(released, "the only release of the handle must return true"
                        + " (iteration " + i + ", downgraded=" + downgraded + "); " + lock);
                assertFalse(h.isHeld());
                if (waiter != null) {
                    backend.await(waiter, "lost hold: the waiter was not granted after downgrade"
                            + " vs release (iteration " + i + ", downgraded=" + downgraded + "); "
                            + lock);
                    waiter.get(5, SECONDS).release();
                }
                if (lock.locked() != NONE || lock.queueLength() != 0) {
                    fail("downgrade racing release must leave the lock NONE with an empty queue"
                            + " (iteration " + i + ", downgraded=" + downgraded + "): " + lock);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // Not an assertion on the interleaving, only a note in the report when it never raced.
        System.out.println("DowngradeTest race on " + backend + ": " + downgrades + " of "
                + rounds + " downgrades won");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void downgrade_thenContinuationOfSharedWaiterReleases_stackOrderHolds(Backend backend) {
        // a SHARED waiter let in by the downgrade releases in its continuation; the EXCLUSIVE
        // behind it must still wait for the downgraded hold
        MultiLock lock = backend.create();
        Handle h = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> reader = lock.acquire(SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        CompletableFuture<Boolean> readerReleased = reader.thenApply(Handle::release);
        assertTrue(h.downgrade());
        assertTrue(backend.await(readerReleased).join(), "the SHARED waiter must be"
                + " let in and release in its continuation; " + lock);
        assertFalse(writer.isDone(), "the EXCLUSIVE must still wait for the downgraded hold; "
                + lock);
        assertEquals(SHARED, lock.locked());
        h.release();
        backend.await(writer, "the release of the downgraded hold admits the EXCLUSIVE");
        writer.join().release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
    }
}
