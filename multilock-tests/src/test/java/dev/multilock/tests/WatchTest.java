package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MultiLock#watch(MultiLockType)}: the seed's {@code notify}, one test per bullet of
 * BEHAVIOUR.md, and the {@link Watch} contract of API.md (set, clear, awaitSet, close, no
 * growth).
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}. There a
 * watch is also set by what the server says (at creation, and after this process lets go of its
 * server lock, a look at {@code pg_locks}), a round trip later: a test waits for such a set with
 * {@link Backend#eventually}, and, before it clears a watch, for its set at creation.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
@TestInstance(Lifecycle.PER_CLASS)
class WatchTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    private static final MultiLockType[] TYPES = MultiLockType.values();

    // ---- the notify bullets of BEHAVIOUR.md ----

    @ParameterizedTest
    @MethodSource("backends")
    void watch_unlocked_setAtOnceForEveryType(Backend backend) {
        MultiLock lock = backend.create();
        for (MultiLockType type : TYPES) {
            try (Watch w = lock.watch(type)) {
                backend.eventually(w::isSet, "notify: a watch of " + type + " on an unlocked lock"
                        + " must be set at creation; " + lock);
                assertEquals(type, w.type(), "watch.type() must be the watched type");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_exclusiveHeld_notSetForAnyTypeUntilRelease(Backend backend) {
        for (MultiLockType type : TYPES) {
            MultiLock lock = backend.create();
            Handle writer = take(lock, EXCLUSIVE);
            try (Watch w = lock.watch(type)) {
                assertFalse(w.isSet(), "notify: with EXCLUSIVE held no type is acquirable, yet the"
                        + " watch of " + type + " is set; " + lock);
                assertTrue(writer.release());
                backend.eventually(w::isSet, "notify: the release of the EXCLUSIVE holder makes "
                        + type + " acquirable and must set its watch; " + lock);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watchExclusive_sharedOrExclusiveHeld_notSetUntilRelease(Backend backend) {
        for (MultiLockType held : new MultiLockType[] {SHARED, EXCLUSIVE}) {
            MultiLock lock = backend.create();
            Handle holder = take(lock, held);
            try (Watch w = lock.watch(EXCLUSIVE)) {
                assertFalse(w.isSet(), "notify: with " + held + " held EXCLUSIVE is not"
                        + " acquirable, yet its watch is set; " + lock);
                assertTrue(holder.release());
                backend.eventually(w::isSet, "notify: the release of the " + held + " holder must"
                        + " set the EXCLUSIVE watch; " + lock);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watchShared_sharedHeld_setAtOnce(Backend backend) {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            backend.eventually(shared::isSet, "notify: SHARED is acquirable beside a SHARED"
                    + " holder, so its watch must be set at once; " + lock);
            backend.eventually(none::isSet, "NONE is acquirable beside a SHARED holder, so its"
                    + " watch must be set at once; " + lock);
        }
        reader.release();
    }

    // ---- set again, and only, after changes that leave the type acquirable ----

    @ParameterizedTest
    @MethodSource("backends")
    void watch_clearedThenReleaseOfUnlockedLock_setAgain(Backend backend) {
        MultiLock lock = backend.create();
        try (Watch w = lock.watch(SHARED)) {
            backend.eventually(w::isSet, "set at creation: SHARED is acquirable; " + lock);
            w.clear();
            Handle h = take(lock, SHARED);
            assertFalse(w.isSet(), "an acquisition must not set a cleared watch; " + lock);
            h.release();
            backend.eventually(w::isSet, "a release that leaves SHARED acquirable must set the"
                    + " watch again after the user cleared it; " + lock);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_clearedWhileTypeStaysAcquirable_setAgainByRelease(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        try (Watch w = lock.watch(SHARED)) {
            backend.eventually(w::isSet, "SHARED is acquirable beside SHARED holders; " + lock);
            w.clear();
            assertFalse(w.isSet(), "clear() must clear the flag");
            second.release(); // SHARED was acquirable before and still is
            backend.eventually(w::isSet, "a release that leaves SHARED acquirable must set the"
                    + " watch even though SHARED already was acquirable and the user cleared it; "
                    + lock);
        }
        first.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_releaseLeavesTypeUnacquirable_staysClear(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        try (Watch w = lock.watch(EXCLUSIVE)) {
            first.release();
            assertFalse(w.isSet(), "a release that leaves a SHARED holder must not set an"
                    + " EXCLUSIVE watch; " + lock);
            second.release();
            backend.eventually(w::isSet, "the last SHARED release must set the EXCLUSIVE watch; "
                    + lock);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_releaseGrantsQueuedExclusive_staysClear(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> next = lock.acquire(EXCLUSIVE);
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            writer.release(); // hands the lock to the queued EXCLUSIVE
            backend.await(next, "the queued EXCLUSIVE must be granted by the release");
            assertFalse(shared.isSet(), "a release that hands the lock to a queued EXCLUSIVE"
                    + " leaves SHARED unacquirable and must not set its watch; " + lock);
            assertFalse(none.isSet(), "a release that hands the lock to a queued EXCLUSIVE"
                    + " leaves NONE unacquirable and must not set its watch; " + lock);
            next.get(5, SECONDS).release();
            backend.eventually(() -> shared.isSet() && none.isSet(),
                    "the last release must set both; " + lock);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_releaseGrantsQueuedSharedAndLeavesSharedAcquirable_set(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> reader = lock.acquire(SHARED);
        try (Watch w = lock.watch(SHARED)) {
            assertFalse(w.isSet(), "SHARED is not acquirable while EXCLUSIVE is held; " + lock);
            writer.release();
            backend.await(reader, "the queued SHARED must be granted by the release");
            backend.eventually(w::isSet, "after the release the queue is empty and SHARED is held,"
                    + " so SHARED is acquirable and the watch must be set; " + lock);
        }
        reader.join().release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_withdrawalMakesTypeAcquirable_set(Backend backend) {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            assertFalse(shared.isSet(), "strict FIFO: a queued EXCLUSIVE makes SHARED"
                    + " unacquirable, yet the SHARED watch is set; " + lock);
            assertFalse(none.isSet(), "strict FIFO: a queued EXCLUSIVE makes NONE"
                    + " unacquirable, yet the NONE watch is set; " + lock);
            assertTrue(writer.cancel(false));
            backend.eventually(shared::isSet, "the withdrawal of the queued EXCLUSIVE makes SHARED"
                    + " acquirable and must set its watch; " + lock);
            backend.eventually(none::isSet, "the withdrawal of the queued EXCLUSIVE makes NONE"
                    + " acquirable and must set its watch; " + lock);
        }
        reader.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_withdrawalLeavesTypeUnacquirable_staysClear(Backend backend) {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> first = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> second = lock.acquire(EXCLUSIVE);
        try (Watch w = lock.watch(SHARED)) {
            assertTrue(first.cancel(false));
            assertFalse(w.isSet(), "another EXCLUSIVE still waits, so SHARED is not acquirable"
                    + " after the withdrawal; " + lock);
            assertTrue(second.cancel(false));
            backend.eventually(w::isSet, "the last withdrawal makes SHARED acquirable; " + lock);
        }
        reader.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_downgrade_set(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE);
                Watch exclusive = lock.watch(EXCLUSIVE)) {
            assertFalse(shared.isSet() || none.isSet(), "nothing is acquirable under EXCLUSIVE");
            assertTrue(writer.downgrade());
            backend.eventually(shared::isSet, "a downgrade that leaves SHARED acquirable must set"
                    + " its watch; " + lock);
            backend.eventually(none::isSet, "a downgrade that leaves NONE acquirable must set its"
                    + " watch; " + lock);
            assertFalse(exclusive.isSet(), "EXCLUSIVE is not acquirable after a downgrade to"
                    + " SHARED, yet its watch is set; " + lock);
        }
        writer.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_downgradeWithExclusiveQueued_staysClear(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> queued = lock.acquire(EXCLUSIVE);
        try (Watch w = lock.watch(SHARED)) {
            assertTrue(writer.downgrade());
            assertFalse(w.isSet(), "strict FIFO: after the downgrade an EXCLUSIVE still waits,"
                    + " so SHARED is not acquirable and its watch must stay clear; " + lock);
        }
        queued.cancel(false);
        writer.release();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_acquire_doesNotSet(Backend backend) {
        MultiLock lock = backend.create();
        List<Handle> held = new ArrayList<>();
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            backend.eventually(() -> shared.isSet() && none.isSet(), "set at creation; " + lock);
            shared.clear();
            none.clear();
            held.add(take(lock, SHARED));
            held.add(backend.granted(lock.acquire(SHARED)));
            held.add(take(lock, NONE));
            held.add(backend.granted(lock.acquire(NONE)));
            assertFalse(shared.isSet(), "an acquisition is no release, withdrawal or downgrade"
                    + " and must not set the SHARED watch; " + lock);
            assertFalse(none.isSet(), "an acquisition is no release, withdrawal or downgrade"
                    + " and must not set the NONE watch; " + lock);
            CompletableFuture<Handle> queued = lock.acquire(EXCLUSIVE);
            assertFalse(queued.isDone());
            assertFalse(shared.isSet() || none.isSet(), "a queued acquisition must not set a"
                    + " watch; " + lock);
            queued.cancel(false);
        }
        held.forEach(Handle::release);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_noneType_waitsOnlyForExclusive(Backend backend) {
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        try (Watch w = lock.watch(NONE)) {
            backend.eventually(w::isSet, "NONE is acquirable beside a SHARED holder; " + lock);
        }
        reader.release();
        Handle writer = take(lock, EXCLUSIVE);
        Handle none = lock.tryAcquire(NONE).orElse(null);
        assertNull(none, "NONE must not be granted while EXCLUSIVE is held; " + lock);
        try (Watch w = lock.watch(NONE)) {
            assertFalse(w.isSet(), "NONE is not acquirable while EXCLUSIVE is held; " + lock);
            assertTrue(writer.downgrade());
            backend.eventually(w::isSet, "the downgrade makes NONE acquirable; " + lock);
            w.clear();
            writer.release();
            backend.eventually(w::isSet, "the release makes NONE acquirable again; " + lock);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watch_nullType_throwsNpeNamingType(Backend backend) {
        MultiLock lock = backend.create();
        NullPointerException e = assertThrows(NullPointerException.class, () -> lock.watch(null));
        assertTrue(String.valueOf(e.getMessage()).contains("type"),
                "the NullPointerException must name the parameter 'type': " + e.getMessage());
        backend.assertWatchers(lock, 0, "a failed watch() must register nothing; " + lock);
    }

    // ---- clear and awaitSet ----

    @ParameterizedTest
    @MethodSource("backends")
    void clear_setWatch_clearsUntilNextEvent(Backend backend) {
        MultiLock lock = backend.create();
        try (Watch w = lock.watch(EXCLUSIVE)) {
            backend.eventually(w::isSet, "set at creation: EXCLUSIVE is acquirable; " + lock);
            w.clear();
            assertFalse(w.isSet(), "clear() must clear a set flag");
            assertFalse(w.isSet(), "nothing but a lock event may set a cleared flag");
            CompletableFuture<Void> f = w.awaitSet();
            assertFalse(f.isDone(), "awaitSet() on a cleared watch must wait for the next event");
            take(lock, SHARED).release();
            backend.eventually(() -> w.isSet() && f.isDone(), "the release must set the flag and"
                    + " complete awaitSet(); " + lock);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_setNow_completedAtOnce(Backend backend) {
        MultiLock lock = backend.create();
        try (Watch w = lock.watch(SHARED)) {
            backend.eventually(w::isSet, "set at creation: SHARED is acquirable; " + lock);
            CompletableFuture<Void> f = w.awaitSet();
            assertTrue(f.isDone() && !f.isCompletedExceptionally(),
                    "awaitSet() on a set watch must be complete at once: " + f);
            assertNull(f.join());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_setLater_completesOnRelease(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        try (Watch w = lock.watch(SHARED)) {
            CompletableFuture<Void> f = w.awaitSet();
            assertFalse(f.isDone(), "awaitSet() must wait while SHARED is not acquirable");
            CompletableFuture<MultiLockType> seen = f.thenApply(v -> lock.locked());
            writer.release();
            backend.await(f, "the release must complete awaitSet() before it returns");
            assertNull(f.get(5, SECONDS));
            assertEquals(NONE, seen.get(5, SECONDS), "awaitSet() must complete after the"
                    + " release took effect");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_severalPending_allCompleteOnTheNextSet(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        try (Watch w = lock.watch(SHARED)) {
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pending.add(w.awaitSet());
            }
            assertTrue(pending.stream().noneMatch(CompletableFuture::isDone), "nothing set yet");
            writer.release();
            for (CompletableFuture<Void> f : pending) {
                assertNull(f.get(5, SECONDS), "every pending awaitSet() completes on the set");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_eachCall_newFutureIndependentOfTheOthers(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        try (Watch w = lock.watch(EXCLUSIVE)) {
            CompletableFuture<Void> first = w.awaitSet();
            CompletableFuture<Void> second = w.awaitSet();
            assertNotSame(first, second, "each awaitSet() call must return a new future");
            assertTrue(first.cancel(false));
            assertFalse(second.isDone(), "cancelling one awaitSet() future must not affect"
                    + " another");
            writer.release();
            assertNull(second.get(5, SECONDS), "the surviving awaitSet() must complete");
            assertTrue(first.isCancelled(), "the cancelled future stays cancelled");
            CompletableFuture<Void> third = w.awaitSet();
            CompletableFuture<Void> fourth = w.awaitSet();
            assertNotSame(third, fourth, "awaitSet() on a set watch must also return a new"
                    + " future each time");
            assertTrue(third.isDone() && fourth.isDone());
            third.obtrudeException(new IllegalStateException("mine"));
            assertFalse(fourth.isCompletedExceptionally(), "one caller's future must not be"
                    + " shared with another");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_manyCancelledCycles_noGrowth(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        try (Watch w = lock.watch(EXCLUSIVE)) {
            for (int i = 0; i < 50_000; i++) {
                assertTrue(w.awaitSet().cancel(false));
            }
            backend.assertWatchers(lock, 1, "awaitSet() must not register with the lock; "
                    + lock);
            CompletableFuture<Void> live = w.awaitSet();
            assertFalse(live.isDone());
            writer.release();
            assertNull(live.get(5, SECONDS), "the live awaitSet() must still complete");
        }
        backend.assertWatchers(lock, 0, "close() must unregister; " + lock);
    }

    // ---- close ----

    @ParameterizedTest
    @MethodSource("backends")
    void close_pendingAwaitSet_cancelled(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        Watch w = lock.watch(SHARED);
        CompletableFuture<Void> f = w.awaitSet();
        w.close();
        assertTrue(f.isCancelled(), "close() must cancel a pending awaitSet() (Watch"
                + " Javadoc): " + f);
        writer.release();
        assertTrue(f.isCancelled(), "a release after close() must not touch the future");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_closedUnsetWatch_returnsCancelledFuture(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        Watch w = lock.watch(SHARED);
        w.close();
        CompletableFuture<Void> f = w.awaitSet();
        assertTrue(f.isCancelled(), "awaitSet() on a closed watch must return a cancelled"
                + " future: " + f);
        writer.release();
        assertTrue(f.isCancelled());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void awaitSet_closedSetWatch_returnsCancelledFuture(Backend backend) {
        MultiLock lock = backend.create();
        Watch w = lock.watch(SHARED);
        backend.eventually(w::isSet, "set at creation: SHARED is acquirable; " + lock);
        w.close();
        CompletableFuture<Void> f = w.awaitSet();
        assertTrue(f.isCancelled(), "Watch.awaitSet() Javadoc: 'on a closed watch this method"
                + " returns an already cancelled future', also when the flag was set at close: "
                + f);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void close_twice_idempotentAndThrowsNothing(Backend backend) {
        MultiLock lock = backend.create();
        Watch w = lock.watch(EXCLUSIVE);
        assertDoesNotThrow(w::close);
        assertDoesNotThrow(w::close, "close() must be idempotent");
        backend.assertWatchers(lock, 0, "close() must unregister once; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void close_closedWatch_flagNoLongerChanges(Backend backend) {
        MultiLock lock = backend.create();
        Handle writer = take(lock, EXCLUSIVE);
        Watch unset = lock.watch(SHARED);
        unset.close();
        writer.release();
        assertFalse(unset.isSet(), "a closed watch must not be set by a release; " + lock);
        Handle reader = take(lock, SHARED);
        Handle other = take(lock, SHARED);
        Watch set = lock.watch(SHARED);
        backend.eventually(set::isSet, "set at creation: SHARED is acquirable; " + lock);
        set.close();
        assertTrue(set.isSet(), "close() must leave the flag as it was");
        other.release();
        reader.release();
        assertTrue(set.isSet());
        assertFalse(unset.isSet());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void close_openWatches_areCountedUntilClosed(Backend backend) {
        MultiLock lock = backend.create();
        assumeTrue(Backend.watchers(lock).isPresent(), "the count is what this test is about, and"
                + " a PostgreSQL lock's toString (this process's view) shows none");
        Watch a = lock.watch(SHARED);
        Watch b = lock.watch(EXCLUSIVE);
        Watch c = lock.watch(NONE);
        backend.assertWatchers(lock, 3, "toString must count registered watches (else the"
                + " no-growth tests prove nothing); " + lock);
        b.close();
        backend.assertWatchers(lock, 2, "close() must unregister this watch; " + lock);
        a.close();
        c.close();
        backend.assertWatchers(lock, 0, "every closed watch must be unregistered; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watchClose_millionCycles_lockKeepsNothing(Backend backend) {
        // On PostgreSQL each cycle also registers with the key's server hold and its serial
        // section: 10,000 cycles show growth there as well, at a CI-sized cost.
        int cycles = backend.inOneJvm() ? 1_000_000 : 10_000;
        MultiLock lock = backend.create();
        Handle reader = take(lock, SHARED);
        for (int i = 0; i < cycles; i++) {
            Watch w = lock.watch(TYPES[i % TYPES.length]);
            if ((i & 1) == 0) {
                w.awaitSet();
            }
            w.close();
        }
        backend.assertWatchers(lock, 0, cycles + " watch/close cycles must leave no watcher"
                + " registered; " + lock);
        reader.release();
        assertEquals(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    // ---- races ----

    @ParameterizedTest
    @MethodSource("backends")
    void watch_racingRelease_neverMissesTheEvent(Backend backend) throws Exception {
        // PostgreSQL takes a few round trips per round (the writer's server lock and its release):
        // 200 rounds there.
        int rounds = backend.inOneJvm() ? 2_000 : 200;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < rounds; i++) {
                MultiLock lock = backend.create();
                Handle writer = take(lock, EXCLUSIVE);
                CountDownLatch go = new CountDownLatch(1);
                Future<Watch> watching = pool.submit(() -> {
                    go.await();
                    return lock.watch(SHARED);
                });
                Future<Boolean> releasing = pool.submit(() -> {
                    go.await();
                    return writer.release();
                });
                go.countDown();
                assertTrue(releasing.get(5, SECONDS));
                try (Watch w = watching.get(5, SECONDS)) {
                    backend.eventually(w::isSet, "lost wake-up: a watch created while the lock"
                            + " was being released is not set once the lock is free (iteration "
                            + i + "); " + lock);
                    w.clear();
                    CompletableFuture<Void> f = w.awaitSet();
                    take(lock, SHARED).release();
                    backend.await(f, "the watch must keep working after the race; " + lock);
                }
                backend.assertWatchers(lock, 0, "leak: watch left registered; " + lock);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
