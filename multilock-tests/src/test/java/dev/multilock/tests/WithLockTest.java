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
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MultiLock#withLock}: the seed's {@code context}. The lock is released in all four
 * outcomes of the action, the returned future carries the outcome and completes only after the
 * release, and cancelling it withdraws a waiting request but cannot stop a running action.
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a call that never returns
 * fails its test instead of hanging the build.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}, where an
 * action whose grant needs the server runs a round trip later, on a library thread.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
@TestInstance(Lifecycle.PER_CLASS)
class WithLockTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

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

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_stageCompletesNormally_releasesThenCarriesValue(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        AtomicReference<MultiLockType> during = new AtomicReference<>();
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            during.set(lock.locked());
            return stage;
        });
        CompletableFuture<String> after = stateWhenDone(lock, result);
        backend.eventually(() -> during.get() != null, "the action runs once granted; " + lock);
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

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_stageAlreadyComplete_releasesAtOnce(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        CompletableFuture<Integer> result =
                lock.withLock(SHARED, () -> CompletableFuture.completedFuture(42));
        backend.await(result, "an uncontended withLock with a completed stage completes"
                + " at once");
        assertEquals(42, result.get(5, SECONDS));
        assertEquals(NONE, lock.locked(), "released; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_stageCompletesExceptionally_releasesThenCarriesTheException(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> stage);
        CompletableFuture<String> after = stateWhenDone(lock, result);
        backend.eventually(() -> lock.locked() == EXCLUSIVE, "held once granted; " + lock);
        IllegalStateException boom = new IllegalStateException("stage failed");
        stage.completeExceptionally(boom);
        assertSame(boom, failureOf(result), "the result must carry the stage's exception");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release");
        assertEquals(NONE, lock.locked(), "withLock must release after an exceptional"
                + " completion; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_actionThrows_releasesThenCarriesTheThrownException(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        IllegalArgumentException boom = new IllegalArgumentException("action threw");
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            runs.incrementAndGet();
            throw boom;
        });
        CompletableFuture<String> after = stateWhenDone(lock, result);
        backend.eventually(() -> runs.get() == 1, "the action must run once");
        assertSame(boom, failureOf(result), "the result must carry the exception the action"
                + " threw");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release");
        assertEquals(NONE, lock.locked(), "withLock must release when the action throws; "
                + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_actionReturnsNull_releasesThenFailsWithNpe(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> null);
        CompletableFuture<String> after = stateWhenDone(lock, result);
        assertInstanceOf(NullPointerException.class, failureOf(result),
                "a null stage must fail the result with a NullPointerException");
        assertEquals("NONE/0", after.get(5, SECONDS), "the result must complete only after the"
                + " release");
        assertEquals(NONE, lock.locked(), "withLock must release when the action returns"
                + " null; " + lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_waitingRequest_runsActionAfterGrantAndReleases(Backend backend) throws Exception {
        MultiLock lock = backend.create();
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

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_whileRequestWaits_withdrawsAndLetsWaitersBehindIn(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
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
        // the grant first: on PostgreSQL it may be made a moment later, by a library thread
        backend.await(behind, "the withdrawal must let in the SHARED waiter it held"
                + " back; " + lock);
        assertEquals(0, lock.queueLength(), "cancelling withLock's future must withdraw its"
                + " request; " + lock);
        behind.get(5, SECONDS).release();
        reader.release();
        assertEquals(0, runs.get(), "a withdrawn withLock must never run its action");
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cancel_afterActionStarted_doesNotStopItAndReleasesWhenStageCompletes(Backend backend)
            throws Exception {
        MultiLock lock = backend.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> result = lock.withLock(EXCLUSIVE, () -> {
            runs.incrementAndGet();
            return stage;
        });
        backend.eventually(() -> runs.get() == 1, "the action runs once granted; " + lock);
        result.cancel(false);
        assertTrue(result.isCancelled());
        assertFalse(stage.isDone(), "cancelling the result must not touch the action's stage");
        assertEquals(EXCLUSIVE, lock.locked(), "the action runs on: the lock must stay held"
                + " until its stage completes; " + lock);
        CompletableFuture<Handle> next = lock.acquire(EXCLUSIVE);
        assertFalse(next.isDone(), "the running action still excludes others; " + lock);
        stage.complete("done");
        backend.await(next, "the lock must be released when the action's stage"
                + " completes, even though the result was cancelled; " + lock);
        next.get(5, SECONDS).release();
        assertEquals(NONE, lock.locked(), "nothing may leak; " + lock);
        assertEquals(1, runs.get());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void timeout_whileRequestWaits_withdrawsAndActionNeverRuns(Backend backend) throws Exception {
        MultiLock lock = backend.create();
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

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_nullArguments_throwNpeNamingTheParameter(Backend backend) {
        for (MultiLock lock : new MultiLock[] {
                backend.create(), MultiLockSet.of(backend.create(), backend.create())}) {
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

    @ParameterizedTest
    @MethodSource("backends")
    void withLock_onSet_holdsEveryLeafAndReleasesThemAll(Backend backend) throws Exception {
        MultiLock a = backend.create();
        MultiLock b = backend.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = set.withLock(EXCLUSIVE, () -> stage);
        backend.eventually(() -> a.locked() == EXCLUSIVE, "withLock on a set must hold every"
                + " leaf; " + a);
        backend.eventually(() -> b.locked() == EXCLUSIVE, "withLock on a set must hold every"
                + " leaf; " + b);
        CompletableFuture<String> after =
                result.handle((v, x) -> a.locked() + "/" + b.locked());
        stage.complete("ok");
        assertEquals("ok", result.get(5, SECONDS));
        assertEquals("NONE/NONE", after.get(5, SECONDS), "the result must complete after every"
                + " leaf is released");
    }
}
