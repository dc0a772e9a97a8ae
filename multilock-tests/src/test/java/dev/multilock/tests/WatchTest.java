package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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
import dev.multilock.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link MultiLock#watch(MultiLockType)}: the seed's {@code notify}, one test per bullet of
 * BEHAVIOUR.md, and the {@link Watch} contract of API.md (set, clear, awaitSet, close, no
 * growth).
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
final class WatchTest {

    private static final MultiLockType[] TYPES = MultiLockType.values();

    // ---- the notify bullets of BEHAVIOUR.md ----

    @Test
    void watch_unlocked_setAtOnceForEveryType() {
        MultiLock lock = MultiLock.create();
        for (MultiLockType type : TYPES) {
            try (Watch w = lock.watch(type)) {
                assertTrue(w.isSet(), "notify: a watch of " + type + " on an unlocked lock must be"
                        + " set at creation; " + lock);
                assertEquals(type, w.type(), "watch.type() must be the watched type");
            }
        }
    }

    @Test
    void watch_exclusiveHeld_notSetForAnyTypeUntilRelease() {
        for (MultiLockType type : TYPES) {
            MultiLock lock = MultiLock.create();
            Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
            try (Watch w = lock.watch(type)) {
                assertFalse(w.isSet(), "notify: with EXCLUSIVE held no type is acquirable, yet the"
                        + " watch of " + type + " is set; " + lock);
                assertTrue(writer.release());
                assertTrue(w.isSet(), "notify: the release of the EXCLUSIVE holder makes " + type
                        + " acquirable and must set its watch; " + lock);
            }
        }
    }

    @Test
    void watchExclusive_sharedOrExclusiveHeld_notSetUntilRelease() {
        for (MultiLockType held : new MultiLockType[] {SHARED, EXCLUSIVE}) {
            MultiLock lock = MultiLock.create();
            Handle holder = lock.tryAcquire(held).orElseThrow();
            try (Watch w = lock.watch(EXCLUSIVE)) {
                assertFalse(w.isSet(), "notify: with " + held + " held EXCLUSIVE is not"
                        + " acquirable, yet its watch is set; " + lock);
                assertTrue(holder.release());
                assertTrue(w.isSet(), "notify: the release of the " + held + " holder must set"
                        + " the EXCLUSIVE watch; " + lock);
            }
        }
    }

    @Test
    void watchShared_sharedHeld_setAtOnce() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            assertTrue(shared.isSet(), "notify: SHARED is acquirable beside a SHARED holder, so"
                    + " its watch must be set at once; " + lock);
            assertTrue(none.isSet(), "NONE is acquirable beside a SHARED holder, so its watch"
                    + " must be set at once; " + lock);
        }
        reader.release();
    }

    // ---- set again, and only, after changes that leave the type acquirable ----

    @Test
    void watch_clearedThenReleaseOfUnlockedLock_setAgain() {
        MultiLock lock = MultiLock.create();
        try (Watch w = lock.watch(SHARED)) {
            w.clear();
            Handle h = lock.tryAcquire(SHARED).orElseThrow();
            assertFalse(w.isSet(), "an acquisition must not set a cleared watch; " + lock);
            h.release();
            assertTrue(w.isSet(), "a release that leaves SHARED acquirable must set the watch"
                    + " again after the user cleared it; " + lock);
        }
    }

    @Test
    void watch_clearedWhileTypeStaysAcquirable_setAgainByRelease() {
        MultiLock lock = MultiLock.create();
        Handle first = lock.tryAcquire(SHARED).orElseThrow();
        Handle second = lock.tryAcquire(SHARED).orElseThrow();
        try (Watch w = lock.watch(SHARED)) {
            assertTrue(w.isSet(), "SHARED is acquirable beside SHARED holders; " + lock);
            w.clear();
            assertFalse(w.isSet(), "clear() must clear the flag");
            second.release(); // SHARED was acquirable before and still is
            assertTrue(w.isSet(), "a release that leaves SHARED acquirable must set the watch"
                    + " even though SHARED already was acquirable and the user cleared it; "
                    + lock);
        }
        first.release();
    }

    @Test
    void watch_releaseLeavesTypeUnacquirable_staysClear() {
        MultiLock lock = MultiLock.create();
        Handle first = lock.tryAcquire(SHARED).orElseThrow();
        Handle second = lock.tryAcquire(SHARED).orElseThrow();
        try (Watch w = lock.watch(EXCLUSIVE)) {
            first.release();
            assertFalse(w.isSet(), "a release that leaves a SHARED holder must not set an"
                    + " EXCLUSIVE watch; " + lock);
            second.release();
            assertTrue(w.isSet(), "the last SHARED release must set the EXCLUSIVE watch; "
                    + lock);
        }
    }

    @Test
    void watch_releaseGrantsQueuedExclusive_staysClear() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> next = lock.acquire(EXCLUSIVE);
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            writer.release(); // hands the lock to the queued EXCLUSIVE
            assertTrue(next.isDone(), "the queued EXCLUSIVE must be granted by the release");
            assertFalse(shared.isSet(), "a release that hands the lock to a queued EXCLUSIVE"
                    + " leaves SHARED unacquirable and must not set its watch; " + lock);
            assertFalse(none.isSet(), "a release that hands the lock to a queued EXCLUSIVE"
                    + " leaves NONE unacquirable and must not set its watch; " + lock);
            next.get(5, SECONDS).release();
            assertTrue(shared.isSet() && none.isSet(), "the last release must set both; " + lock);
        }
    }

    @Test
    void watch_releaseGrantsQueuedSharedAndLeavesSharedAcquirable_set() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> reader = lock.acquire(SHARED);
        try (Watch w = lock.watch(SHARED)) {
            assertFalse(w.isSet(), "SHARED is not acquirable while EXCLUSIVE is held; " + lock);
            writer.release();
            assertTrue(reader.isDone(), "the queued SHARED must be granted by the release");
            assertTrue(w.isSet(), "after the release the queue is empty and SHARED is held, so"
                    + " SHARED is acquirable and the watch must be set; " + lock);
        }
        reader.join().release();
    }

    @Test
    void watch_withdrawalMakesTypeAcquirable_set() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            assertFalse(shared.isSet(), "strict FIFO: a queued EXCLUSIVE makes SHARED"
                    + " unacquirable, yet the SHARED watch is set; " + lock);
            assertFalse(none.isSet(), "strict FIFO: a queued EXCLUSIVE makes NONE"
                    + " unacquirable, yet the NONE watch is set; " + lock);
            assertTrue(writer.cancel(false));
            assertTrue(shared.isSet(), "the withdrawal of the queued EXCLUSIVE makes SHARED"
                    + " acquirable and must set its watch; " + lock);
            assertTrue(none.isSet(), "the withdrawal of the queued EXCLUSIVE makes NONE"
                    + " acquirable and must set its watch; " + lock);
        }
        reader.release();
    }

    @Test
    void watch_withdrawalLeavesTypeUnacquirable_staysClear() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Handle> first = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> second = lock.acquire(EXCLUSIVE);
        try (Watch w = lock.watch(SHARED)) {
            assertTrue(first.cancel(false));
            assertFalse(w.isSet(), "another EXCLUSIVE still waits, so SHARED is not acquirable"
                    + " after the withdrawal; " + lock);
            assertTrue(second.cancel(false));
            assertTrue(w.isSet(), "the last withdrawal makes SHARED acquirable; " + lock);
        }
        reader.release();
    }

    @Test
    void watch_downgrade_set() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE);
                Watch exclusive = lock.watch(EXCLUSIVE)) {
            assertFalse(shared.isSet() || none.isSet(), "nothing is acquirable under EXCLUSIVE");
            assertTrue(writer.downgrade());
            assertTrue(shared.isSet(), "a downgrade that leaves SHARED acquirable must set its"
                    + " watch; " + lock);
            assertTrue(none.isSet(), "a downgrade that leaves NONE acquirable must set its"
                    + " watch; " + lock);
            assertFalse(exclusive.isSet(), "EXCLUSIVE is not acquirable after a downgrade to"
                    + " SHARED, yet its watch is set; " + lock);
        }
        writer.release();
    }

    @Test
    void watch_downgradeWithExclusiveQueued_staysClear() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> queued = lock.acquire(EXCLUSIVE);
        try (Watch w = lock.watch(SHARED)) {
            assertTrue(writer.downgrade());
            assertFalse(w.isSet(), "strict FIFO: after the downgrade an EXCLUSIVE still waits,"
                    + " so SHARED is not acquirable and its watch must stay clear; " + lock);
        }
        queued.cancel(false);
        writer.release();
    }

    @Test
    void watch_acquire_doesNotSet() {
        MultiLock lock = MultiLock.create();
        List<Handle> held = new ArrayList<>();
        try (Watch shared = lock.watch(SHARED); Watch none = lock.watch(NONE)) {
            shared.clear();
            none.clear();
            held.add(lock.tryAcquire(SHARED).orElseThrow());
            held.add(lock.acquire(SHARED).join());
            held.add(lock.tryAcquire(NONE).orElseThrow());
            held.add(lock.acquire(NONE).join());
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

    @Test
    void watch_noneType_waitsOnlyForExclusive() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        try (Watch w = lock.watch(NONE)) {
            assertTrue(w.isSet(), "NONE is acquirable beside a SHARED holder; " + lock);
        }
        reader.release();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        Handle none = lock.tryAcquire(NONE).orElse(null);
        assertNull(none, "NONE must not be granted while EXCLUSIVE is held; " + lock);
        try (Watch w = lock.watch(NONE)) {
            assertFalse(w.isSet(), "NONE is not acquirable while EXCLUSIVE is held; " + lock);
            assertTrue(writer.downgrade());
            assertTrue(w.isSet(), "the downgrade makes NONE acquirable; " + lock);
            w.clear();
            writer.release();
            assertTrue(w.isSet(), "the release makes NONE acquirable again; " + lock);
        }
    }

    @Test
    void watch_nullType_throwsNpeNamingType() {
        MultiLock lock = MultiLock.create();
        NullPointerException e = assertThrows(NullPointerException.class, () -> lock.watch(null));
        assertTrue(String.valueOf(e.getMessage()).contains("type"),
                "the NullPointerException must name the parameter 'type': " + e.getMessage());
        assertEquals(0, watchers(lock), "a failed watch() must register nothing; " + lock);
    }

    // ---- clear and awaitSet ----

    @Test
    void clear_setWatch_clearsUntilNextEvent() {
        MultiLock lock = MultiLock.create();
        try (Watch w = lock.watch(EXCLUSIVE)) {
            w.clear();
            assertFalse(w.isSet(), "clear() must clear a set flag");
            assertFalse(w.isSet(), "nothing but a lock event may set a cleared flag");
            CompletableFuture<Void> f = w.awaitSet();
            assertFalse(f.isDone(), "awaitSet() on a cleared watch must wait for the next event");
            lock.tryAcquire(SHARED).orElseThrow().release();
            assertTrue(w.isSet() && f.isDone(), "the release must set the flag and complete"
                    + " awaitSet(); " + lock);
        }
    }

    @Test
    void awaitSet_setNow_completedAtOnce() {
        MultiLock lock = MultiLock.create();
        try (Watch w = lock.watch(SHARED)) {
            CompletableFuture<Void> f = w.awaitSet();
            assertTrue(f.isDone() && !f.isCompletedExceptionally(),
                    "awaitSet() on a set watch must be complete at once: " + f);
            assertNull(f.join());
        }
    }

    @Test
    void awaitSet_setLater_completesOnRelease() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        try (Watch w = lock.watch(SHARED)) {
            CompletableFuture<Void> f = w.awaitSet();
            assertFalse(f.isDone(), "awaitSet() must wait while SHARED is not acquirable");
            CompletableFuture<MultiLockType> seen = f.thenApply(v -> lock.locked());
            writer.release();
            assertTrue(f.isDone(), "the release must complete awaitSet() before it returns");
            assertNull(f.get(5, SECONDS));
            assertEquals(NONE, seen.get(5, SECONDS), "awaitSet() must complete after the"
                    + " release took effect");
        }
    }

    @Test
    void awaitSet_severalPending_allCompleteOnTheNextSet() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
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

    @Test
    void awaitSet_eachCall_newFutureIndependentOfTheOthers() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
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

    @Test
    void awaitSet_manyCancelledCycles_noGrowth() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        try (Watch w = lock.watch(EXCLUSIVE)) {
            for (int i = 0; i < 50_000; i++) {
                assertTrue(w.awaitSet().cancel(false));
            }
            assertEquals(1, watchers(lock), "awaitSet() must not register with the lock; "
                    + lock);
            CompletableFuture<Void> live = w.awaitSet();
            assertFalse(live.isDone());
            writer.release();
            assertNull(live.get(5, SECONDS), "the live awaitSet() must still complete");
        }
        assertEquals(0, watchers(lock), "close() must unregister; " + lock);
    }

    // ---- close ----

    @Test
    void close_pendingAwaitSet_cancelled() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        Watch w = lock.watch(SHARED);
        CompletableFuture<Void> f = w.awaitSet();
        w.close();
        assertTrue(f.isCancelled(), "close() must cancel a pending awaitSet() (Watch"
                + " Javadoc): " + f);
        writer.release();
        assertTrue(f.isCancelled(), "a release after close() must not touch the future");
    }

    @Test
    void awaitSet_closedUnsetWatch_returnsCancelledFuture() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        Watch w = lock.watch(SHARED);
        w.close();
        CompletableFuture<Void> f = w.awaitSet();
        assertTrue(f.isCancelled(), "awaitSet() on a closed watch must return a cancelled"
                + " future: " + f);
        writer.release();
        assertTrue(f.isCancelled());
    }

    @Test
    void awaitSet_closedSetWatch_returnsCancelledFuture() {
        MultiLock lock = MultiLock.create();
        Watch w = lock.watch(SHARED);
        assertTrue(w.isSet());
        w.close();
        CompletableFuture<Void> f = w.awaitSet();
        assertTrue(f.isCancelled(), "Watch.awaitSet() Javadoc: 'on a closed watch this method"
                + " returns an already cancelled future', also when the flag was set at close: "
                + f);
    }

    @Test
    void close_twice_idempotentAndThrowsNothing() {
        MultiLock lock = MultiLock.create();
        Watch w = lock.watch(EXCLUSIVE);
        assertDoesNotThrow(w::close);
        assertDoesNotThrow(w::close, "close() must be idempotent");
        assertEquals(0, watchers(lock), "close() must unregister once; " + lock);
    }

    @Test
    void close_closedWatch_flagNoLongerChanges() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        Watch unset = lock.watch(SHARED);
        unset.close();
        writer.release();
        assertFalse(unset.isSet(), "a closed watch must not be set by a release; " + lock);
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        Handle other = lock.tryAcquire(SHARED).orElseThrow();
        Watch set = lock.watch(SHARED);
        set.close();
        assertTrue(set.isSet(), "close() must leave the flag as it was");
        other.release();
        reader.release();
        assertTrue(set.isSet());
        assertFalse(unset.isSet());
    }

    @Test
    void close_openWatches_areCountedUntilClosed() {
        MultiLock lock = MultiLock.create();
        Watch a = lock.watch(SHARED);
        Watch b = lock.watch(EXCLUSIVE);
        Watch c = lock.watch(NONE);
        assertEquals(3, watchers(lock), "toString must count registered watches (else the"
                + " no-growth tests prove nothing); " + lock);
        b.close();
        assertEquals(2, watchers(lock), "close() must unregister this watch; " + lock);
        a.close();
        c.close();
        assertEquals(0, watchers(lock), "every closed watch must be unregistered; " + lock);
    }

    @Test
    void watchClose_millionCycles_lockKeepsNothing() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        for (int i = 0; i < 1_000_000; i++) {
            Watch w = lock.watch(TYPES[i % TYPES.length]);
            if ((i & 1) == 0) {
                w.awaitSet();
            }
            w.close();
        }
        assertEquals(0, watchers(lock), "a million watch/close cycles must leave no watcher"
                + " registered; " + lock);
        reader.release();
        assertEquals(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    // ---- races ----

    @Test
    void watch_racingRelease_neverMissesTheEvent() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2_000; i++) {
                MultiLock lock = MultiLock.create();
                Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
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
                    if (!w.isSet()) {
                        fail("lost wake-up: a watch created while the lock was being released is"
                                + " not set once the lock is free (iteration " + i + "); "
                                + lock);
                    }
                    w.clear();
                    CompletableFuture<Void> f = w.awaitSet();
                    lock.tryAcquire(SHARED).orElseThrow().release();
                    assertTrue(f.isDone(), "the watch must keep working after the race; " + lock);
                }
                assertEquals(0, watchers(lock), "leak: watch left registered; " + lock);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- helpers ----

    private static final Pattern WATCHERS = Pattern.compile(", watchers=(\\d+)]$");

    /** The number of watches and whenAcquirable futures registered with a lock (its toString). */
    private static int watchers(MultiLock lock) {
        Matcher m = WATCHERS.matcher(lock.toString());
        if (!m.find()) {
            fail("the lock's toString no longer ends with ', watchers=N]': " + lock);
        }
        return Integer.parseInt(m.group(1));
    }
}
