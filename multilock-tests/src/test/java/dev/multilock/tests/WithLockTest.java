package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link MultiLock#withLock}: the seed's {@code context}. The lock is released in all four
 * outcomes of the action, the returned future carries the outcome and completes only after the
 * release, and cancelling it withdraws a waiting request but cannot stop a running action.
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
final class WithLockTest {

    /** What a continuation of the returned future saw of the lock: "locked/queueLength". */
    private static CompletableFuture<String> stateWhenDone(
            MultiLock lock, CompletableFuture<?> result) {
        return result.handle((v, failure) -> lock.locked() + "/" + lock.queueLength());
    }

    private static Throwable failureOf(CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, SECONDS),
                "the returned future must complete exceptionally");
        return e.getCause();
    }

    // ---- the four outcomes ----

    @Test
    void withLock_stageCompletesNormally_releasesThenCarriesValue() throws Exception {
        MultiLock lock = MultiLock.create();
        AtomicReference<MultiLockType> during = new AtomicReference<>();
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            during.set(lock.locked());
            return stage;
        });
        CompletableFuture<String> after = stateWhenDone(lock, result);
        assertEquals(EXCLUSIVE, during.get(), "the action must run while the lock is held");
        assertEquals(EXCLUSIVE, lock.locked(), "the lock must stay held until the action's"
                + " stage completes; " + lock);
        assertFalse(result.isDone(), "the result must wait for the action's stage");
        stage.complete("value");
        assertEquals("value", result.get(5, SECONDS), "the result must carry the stage's value");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release (seen from its continuation)");
        assertEquals(NONE, lock.locked(), "withLock must release after a normal completion; "
                + lock);
    }

    @Test
    void withLock_stageAlreadyComplete_releasesAtOnce() throws Exception {
        MultiLock lock = MultiLock.create();
        CompletableFuture<Integer> result =
                lock.withLock(SHARED, () -> CompletableFuture.completedFuture(42));
        assertTrue(result.isDone(), "an uncontended withLock with a completed stage completes"
                + " at once");
        assertEquals(42, result.get(5, SECONDS));
        assertEquals(NONE, lock.locked(), "released; " + lock);
    }

    @Test
    void withLock_stageCompletesExceptionally_releasesThenCarriesTheException()
            throws Exception {
        MultiLock lock = MultiLock.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> stage);
        CompletableFuture<String> after = stateWhenDone(lock, result);
        assertEquals(EXCLUSIVE, lock.locked());
        IllegalStateException boom = new IllegalStateException("stage failed");
        stage.completeExceptionally(boom);
        assertSame(boom, failureOf(result), "the result must carry the stage's exception");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release");
        assertEquals(NONE, lock.locked(), "withLock must release after an exceptional"
                + " completion; " + lock);
    }

    @Test
    void withLock_actionThrows_releasesThenCarriesTheThrownException() throws Exception {
        MultiLock lock = MultiLock.create();
        IllegalArgumentException boom = new IllegalArgumentException("action threw");
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            runs.incrementAndGet();
            throw boom;
        });
        CompletableFuture<String> after = stateWhenDone(lock, result);
        assertEquals(1, runs.get(), "the action must run once");
        assertSame(boom, failureOf(result), "the result must carry the exception the action"
                + " threw");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release");
        assertEquals(NONE, lock.locked(), "withLock must release when the action throws; "
                + lock);
    }

    @Test
    void withLock_actionReturnsNull_releasesThenFailsWithNpe() throws Exception {
        MultiLock lock = MultiLock.create();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> null);
        CompletableFuture<String> after = stateWhenDone(lock, result);
        assertInstanceOf(NullPointerException.class, failureOf(result),
                "a null stage must fail the result with a NullPointerException");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release");
        assertEquals(NONE, lock.locked(), "withLock must release when the action returns"
                + " null; " + lock);
    }

    @Test
    void withLock_waitingRequest_runsActionAfterGrantAndReleases() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<MultiLockType> during = new AtomicReference<>();
        CompletableFuture<String> result = lock.withLock(SHARED, () -> {
            runs.incrementAndGet();
            during.set(lock.locked());
            return CompletableFuture.completedFuture("read");
        });
        assertEquals(1, lock.queueLength(), "withLock must queue like acquire; " + lock);
        assertEquals(0, runs.get(), "the action must not run before the grant");
        writer.release();
        assertEquals("read", result.get(5, SECONDS));
        assertEquals(SHARED, during.get(), "the action must run while holding SHARED");
        assertEquals(NONE, lock.locked(), "released; " + lock);
    }

    // ---- cancellation ----

    @Test
    void cancel_whileRequestWaits_withdrawsAndLetsWaitersBehindIn() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture("never");
        });
        CompletableFuture<Handle> behind = lock.acquire(SHARED);
        assertEquals(2, lock.queueLength(), "the withLock request and the SHARED behind it"
                + " wait; " + lock);
        assertFalse(behind.isDone(), "strict FIFO: the SHARED waits behind the EXCLUSIVE");
        assertTrue(result.cancel(false));
        assertEquals(0, lock.queueLength(), "cancelling withLock's future must withdraw its"
                + " request; " + lock);
        assertTrue(behind.isDone(), "the withdrawal must let in the SHARED waiter it held"
                + " back; " + lock);
        behind.get(5, SECONDS).release();
        reader.release();
        assertEquals(0, runs.get(), "a withdrawn withLock must never run its action");
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
        assertEquals(0, lock.queueLength());
    }

    @Test
    void cancel_afterActionStarted_doesNotStopItAndReleasesWhenStageCompletes()
            throws Exception {
        MultiLock lock = MultiLock.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            runs.incrementAndGet();
            return stage;
        });
        assertEquals(1, runs.get());
        result.cancel(false);
        assertTrue(result.isCancelled());
        assertFalse(stage.isDone(), "cancelling the result must not touch the action's stage");
        assertEquals(EXCLUSIVE, lock.locked(), "the action runs on: the lock must stay held"
                + " until its stage completes; " + lock);
        CompletableFuture<Handle> next = lock.acquire(EXCLUSIVE);
        assertFalse(next.isDone(), "the running action still excludes others; " + lock);
        stage.complete("done");
        assertTrue(next.isDone(), "the lock must be released when the action's stage"
                + " completes, even though the result was cancelled; " + lock);
        next.get(5, SECONDS).release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
        assertEquals(1, runs.get());
    }

    @Test
    void timeout_whileRequestWaits_withdrawsAndActionNeverRuns() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle writer = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> result = lock.withLock(SHARED, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture("never");
        });
        assertTrue(result.completeExceptionally(new IllegalStateException("gave up")));
        assertEquals(0, lock.queueLength(), "completing withLock's future from outside must"
                + " withdraw its request; " + lock);
        writer.release();
        assertEquals(0, runs.get(), "a withdrawn withLock must never run its action");
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
    }

    // ---- arguments, and sets ----

    @Test
    void withLock_nullArguments_throwNpeNamingTheParameter() {
        for (MultiLock lock : new MultiLock[] {
                MultiLock.create(), MultiLockSet.of(MultiLock.create(), MultiLock.create())}) {
            Supplier<CompletionStage<String>> action = () -> CompletableFuture.completedFuture("");
            NullPointerException type =
                    assertThrows(NullPointerException.class, () -> lock.withLock(null, action));
            assertTrue(String.valueOf(type.getMessage()).contains("type"),
                    "the NullPointerException must name 'type': " + type.getMessage());
            NullPointerException act =
                    assertThrows(NullPointerException.class, () -> lock.withLock(SHARED, null));
            assertTrue(String.valueOf(act.getMessage()).contains("action"),
                    "the NullPointerException must name 'action': " + act.getMessage());
            assertEquals(NONE, lock.locked(), "a failed call must change nothing; " + lock);
            assertEquals(0, lock.queueLength(), "a failed call must change nothing; " + lock);
        }
    }

    @Test
    void withLock_onSet_holdsEveryLeafAndReleasesThemAll() throws Exception {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = set.withLock(EXCLUSIVE, () -> stage);
        assertEquals(EXCLUSIVE, a.locked(), "withLock on a set must hold every leaf; " + a);
        assertEquals(EXCLUSIVE, b.locked(), "withLock on a set must hold every leaf; " + b);
        CompletableFuture<String> after =
                result.handle((v, x) -> a.locked() + "/" + b.locked());
        stage.complete("ok");
        assertEquals("ok", result.get(5, SECONDS));
        assertEquals("NONE/NONE", after.get(5, SECONDS), "the result must complete after every"
                + " leaf is released");
    }
}
