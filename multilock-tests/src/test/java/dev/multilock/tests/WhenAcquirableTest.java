package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link MultiLock#whenAcquirable(MultiLockType)}: the seed's {@code wait}, one test per bullet of
 * BEHAVIOUR.md, plus the API.md rules: completes after a release, withdrawal or downgrade,
 * acquires nothing, one-shot, and a cancelled one leaves nothing behind.
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
final class WhenAcquirableTest {

    private static final MultiLockType[] TYPES = MultiLockType.values();

    // ---- the wait bullet of BEHAVIOUR.md: returns when the type is acquirable ----

    @Test
    void whenAcquirable_unlocked_completedAtOnceForEveryType() {
        MultiLock lock = MultiLock.create();
        for (MultiLockType type : TYPES) {
            CompletableFuture<Void> f = lock.whenAcquirable(type);
            assertTrue(f.isDone() && !f.isCompletedExceptionally(), "wait: " + type + " is"
                    + " acquirable on an unlocked lock, so the future must be complete at once: "
                    + f);
            assertNull(f.join());
        }
        assertEquals(0, watchers(lock), "a whenAcquirable completed at once must register"
                + " nothing; " + lock);
    }

    @Test
    void whenAcquirable_sharedHeld_sharedAndNoneAtOnceExclusiveWaits() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        assertTrue(lock.whenAcquirable(SHARED).isDone(), "SHARED is acquirable beside SHARED");
        assertTrue(lock.whenAcquirable(NONE).isDone(), "NONE is acquirable beside SHARED");
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        assertFalse(exclusive.isDone(), "wait: EXCLUSIVE is not acquirable while SHARED is"
                + " held; " + lock);
        reader.release();
        assertTrue(exclusive.isDone(), "wait: the last SHARED release makes EXCLUSIVE"
                + " acquirable; " + lock);
    }

    @Test
    void whenAcquirable_exclusiveHeld_everyTypeCompletesOnRelease() {
        for (MultiLockType type : TYPES) {
            MultiLock lock = MultiLock.create();
            Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
            CompletableFuture<Void> f = lock.whenAcquirable(type);
            assertFalse(f.isDone(), "wait: " + type + " is not acquirable while EXCLUSIVE is"
                    + " held; " + lock);
            writer.release();
            assertTrue(f.isDone() && !f.isCompletedExceptionally(), "wait: the release must"
                    + " complete the wait for " + type + " before it returns: " + f + "; " + lock);
        }
    }

    @Test
    void whenAcquirable_releaseLeavesTypeUnacquirable_staysPending() {
        MultiLock lock = MultiLock.create();
        Handle first = lock.tryAcquire(SHARED).orElseThrow();
        Handle second = lock.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        first.release();
        assertFalse(exclusive.isDone(), "a SHARED holder remains: EXCLUSIVE is not acquirable;"
                + " " + lock);
        second.release();
        assertTrue(exclusive.isDone(), "the last release must complete the wait; " + lock);
    }

    @Test
    void whenAcquirable_releaseGrantsQueuedExclusive_staysPending() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> queued = lock.acquire(EXCLUSIVE);
        CompletableFuture<Void> shared = lock.whenAcquirable(SHARED);
        writer.release();
        assertTrue(queued.isDone());
        assertFalse(shared.isDone(), "the release handed the lock to a queued EXCLUSIVE, so"
                + " SHARED is still not acquirable; " + lock);
        queued.join().release();
        assertTrue(shared.isDone(), "the next release must complete the wait; " + lock);
    }

    @Test
    void whenAcquirable_afterWithdrawal_completes() {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        CompletableFuture<Void> shared = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> none = lock.whenAcquirable(NONE);
        assertFalse(shared.isDone() || none.isDone(), "strict FIFO: a queued EXCLUSIVE makes"
                + " SHARED and NONE unacquirable; " + lock);
        writer.cancel(false);
        assertTrue(shared.isDone(), "the withdrawal of the queued EXCLUSIVE makes SHARED"
                + " acquirable and must complete the wait; " + lock);
        assertTrue(none.isDone(), "the withdrawal of the queued EXCLUSIVE makes NONE"
                + " acquirable and must complete the wait; " + lock);
        reader.release();
    }

    @Test
    void whenAcquirable_afterDowngrade_completes() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Void> shared = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> none = lock.whenAcquirable(NONE);
        CompletableFuture<Void> exclusive = lock.whenAcquirable(EXCLUSIVE);
        assertTrue(writer.downgrade());
        assertTrue(shared.isDone(), "the downgrade makes SHARED acquirable and must complete"
                + " the wait; " + lock);
        assertTrue(none.isDone(), "the downgrade makes NONE acquirable and must complete the"
                + " wait; " + lock);
        assertFalse(exclusive.isDone(), "EXCLUSIVE is not acquirable after a downgrade; "
                + lock);
        writer.release();
        assertTrue(exclusive.isDone(), "the release of the downgraded handle must complete"
                + " the EXCLUSIVE wait; " + lock);
    }

    @Test
    void whenAcquirable_continuation_seesTypeAcquirable() throws Exception {
        for (MultiLockType type : TYPES) {
            MultiLock lock = MultiLock.create();
            Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
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

    @Test
    void whenAcquirable_pendingOrCompleted_acquiresNothing() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
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

    @Test
    void whenAcquirable_completed_isOneShotAndUnregistered() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Void> f = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> g = lock.whenAcquirable(SHARED);
        assertNotSame(f, g, "each call must return its own future");
        assertEquals(2, watchers(lock), "a pending whenAcquirable registers with the lock; "
                + lock);
        writer.release();
        assertTrue(f.isDone() && g.isDone(), "one release must complete every pending wait;"
                + " " + lock);
        assertEquals(0, watchers(lock), "a completed whenAcquirable is one-shot and must"
                + " unregister; " + lock);
        Handle again = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Void> h = lock.whenAcquirable(SHARED);
        assertFalse(h.isDone(), "a new call must wait again; " + lock);
        again.release();
        assertTrue(h.isDone());
        assertEquals(0, watchers(lock), "leak: " + lock);
    }

    @Test
    void whenAcquirable_cancelled_unregisters() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Void> f = lock.whenAcquirable(SHARED);
        assertEquals(1, watchers(lock), "a pending whenAcquirable is registered; " + lock);
        assertTrue(f.cancel(false));
        assertEquals(0, watchers(lock), "cancelling a whenAcquirable must unregister it; "
                + lock);
        writer.release();
        assertTrue(f.isCancelled(), "a later release must not touch a cancelled wait");
        assertEquals(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @Test
    void whenAcquirable_completedByCaller_unregisters() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Void> failed = lock.whenAcquirable(SHARED);
        CompletableFuture<Void> completed = lock.whenAcquirable(EXCLUSIVE);
        assertTrue(failed.completeExceptionally(new IllegalStateException("caller gave up")));
        assertTrue(completed.complete(null));
        assertEquals(0, watchers(lock), "a whenAcquirable completed by the caller must"
                + " unregister; " + lock);
        writer.release();
    }

    @Test
    void whenAcquirableCancel_millionCycles_lockKeepsNothing() {
        // Every cycle gives the future up from outside: one in sixteen by cancel(), one in
        // sixteen by completeExceptionally(), the rest by complete(null). All withdraw through the
        // same completion of the future; the first two pay for exception stack traces (a few
        // microseconds each under JUnit's deep stack), so a million cancels alone would take
        // many seconds without testing anything more.
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        IllegalStateException gaveUp = new IllegalStateException("caller gave up");
        for (int i = 0; i < 1_000_000; i++) {
            CompletableFuture<Void> f = lock.whenAcquirable(EXCLUSIVE);
            boolean withdrawn = (i & 15) == 0 ? f.cancel(false)
                    : (i & 15) == 8 ? f.completeExceptionally(gaveUp) : f.complete(null);
            if (!withdrawn) {
                fail("whenAcquirable(EXCLUSIVE) completed while SHARED is held; " + lock);
            }
        }
        assertEquals(0, watchers(lock), "a million whenAcquirable+cancel cycles must leave"
                + " nothing registered; " + lock);
        CompletableFuture<Void> live = lock.whenAcquirable(EXCLUSIVE);
        assertEquals(1, watchers(lock), "the count must see a pending wait; " + lock);
        reader.release();
        assertTrue(live.isDone(), "whenAcquirable must still work after the cycles; " + lock);
        assertEquals(0, watchers(lock), "leak: " + lock);
    }

    @Test
    void whenAcquirable_nullType_throwsNpeNamingType() {
        MultiLock lock = MultiLock.create();
        NullPointerException e =
                assertThrows(NullPointerException.class, () -> lock.whenAcquirable(null));
        assertTrue(String.valueOf(e.getMessage()).contains("type"),
                "the NullPointerException must name the parameter 'type': " + e.getMessage());
        assertEquals(0, watchers(lock), "a failed call must register nothing; " + lock);
    }

    // ---- races ----

    @Test
    void whenAcquirable_racingRelease_neverMissesTheEvent() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2_000; i++) {
                MultiLock lock = MultiLock.create();
                Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
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
                assertEquals(0, watchers(lock), "leak: a completed whenAcquirable stayed"
                        + " registered (iteration " + i + "); " + lock);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void whenAcquirable_manyPending_allCompletedByOneRelease() {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            waits.add(lock.whenAcquirable(TYPES[i % TYPES.length]));
        }
        writer.release();
        for (CompletableFuture<Void> f : waits) {
            assertTrue(f.isDone(), "the release must complete every pending wait; " + lock);
        }
        assertEquals(0, watchers(lock), "leak: " + lock);
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
