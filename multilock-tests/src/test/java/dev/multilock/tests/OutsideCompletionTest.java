package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * API.md rule 3 for the completion methods of a waiting acquisition that CancellationTest does
 * not reach: {@code completeAsync} (both overloads), {@code obtrudeValue} and
 * {@code obtrudeException}. Each must withdraw the request, so that the waiter behind it gets in,
 * and complete the future with what the caller gave.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}.
 */
@Timeout(value = 5, unit = SECONDS)
@TestInstance(Lifecycle.PER_CLASS)
class OutsideCompletionTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    /** A SHARED holder, an EXCLUSIVE request queued, and a SHARED request behind it. */
    private static final class Queue {
        final Backend backend;
        final MultiLock lock;
        final Handle reader;
        final CompletableFuture<Handle> writer;
        final CompletableFuture<Handle> lateReader;

        Queue(Backend backend) {
            this.backend = backend;
            this.lock = backend.create();
            this.reader = lock.tryAcquire(SHARED).orElseThrow();
            this.writer = lock.acquire(EXCLUSIVE);
            this.lateReader = lock.acquire(SHARED);
            assertFalse(writer.isDone(), "the writer waits behind the reader");
            assertFalse(lateReader.isDone(), "the late reader waits behind the writer (FIFO)");
            assertEquals(2, lock.queueLength());
        }

        /** After the writer's withdrawal: the late reader is in, and nothing leaks. */
        void assertWriterWithdrawn() throws Exception {
            backend.await(lateReader, "the withdrawal lets the reader behind it in");
            assertEquals(0, lock.queueLength(), "the withdrawn writer is not counted");
            lateReader.get().release();
            reader.release();
            assertSame(MultiLockType.NONE, lock.locked(), "nothing is left held");
            assertTrue(lock.tryAcquire(EXCLUSIVE).isPresent(), "the lock is usable again");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void completeAsync_waitingAcquisition_withdrawnAndCompletedWithTheSuppliedValue(Backend backend)
            throws Exception {
        Queue q = new Queue(backend);
        Executor direct = Runnable::run;
        CompletableFuture<Handle> returned = q.writer.completeAsync(() -> null, direct);
        assertSame(q.writer, returned, "completeAsync returns the future itself");
        assertTrue(q.writer.isDone());
        assertNull(q.writer.get(), "completed with the supplied value, not a grant");
        q.assertWriterWithdrawn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void completeAsync_supplierThrows_withdrawnAndFailedWithCompletionException(Backend backend)
            throws Exception {
        Queue q = new Queue(backend);
        IllegalStateException boom = new IllegalStateException("boom");
        q.writer.completeAsync(() -> {
            throw boom;
        }, Runnable::run);
        CompletableFuture<Object> stock = new CompletableFuture<>();
        stock.completeAsync(() -> {
            throw boom;
        }, Runnable::run);
        Throwable ours = q.writer.handle((v, t) -> t).join();
        Throwable theirs = stock.handle((v, t) -> t).join();
        assertSame(theirs.getClass(), ours.getClass(), "stored like the JDK's completeAsync");
        assertTrue(ours instanceof CompletionException && ours.getCause() == boom, ours + "");
        ExecutionException e = assertThrows(ExecutionException.class, q.writer::get);
        assertSame(boom, e.getCause(), "get() unwraps as for any CompletableFuture");
        q.assertWriterWithdrawn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void completeAsync_defaultExecutor_withdrawsOnceTheSupplierRuns(Backend backend)
            throws Exception {
        Queue q = new Queue(backend);
        q.writer.completeAsync(() -> null);
        assertNull(q.writer.get(5, SECONDS));
        q.lateReader.get(5, SECONDS); // let in by the withdrawal, on the default executor
        q.assertWriterWithdrawn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void obtrudeValue_waitingAcquisition_withdrawnAndValueObtruded(Backend backend)
            throws Exception {
        Queue q = new Queue(backend);
        q.writer.obtrudeValue(null);
        assertTrue(q.writer.isDone());
        assertNull(q.writer.get());
        q.assertWriterWithdrawn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void obtrudeException_waitingAcquisition_withdrawnAndExceptionObtruded(Backend backend)
            throws Exception {
        Queue q = new Queue(backend);
        IllegalStateException boom = new IllegalStateException("boom");
        q.writer.obtrudeException(boom);
        ExecutionException e = assertThrows(ExecutionException.class, q.writer::get);
        assertSame(boom, e.getCause());
        q.assertWriterWithdrawn();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void obtrudeException_null_throwsNpeAndChangesNothing(Backend backend) {
        Queue q = new Queue(backend);
        assertThrows(NullPointerException.class, () -> q.writer.obtrudeException(null));
        assertFalse(q.writer.isDone(), "still waiting");
        assertEquals(2, q.lock.queueLength(), "still queued");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void toString_handleAndWaiter_sayWhatTheyAre(Backend backend) {
        Queue q = new Queue(backend);
        assertTrue(q.reader.toString().contains("SHARED") && q.reader.toString().contains("held"),
                q.reader.toString());
        assertTrue(q.writer.toString().contains("waiting for EXCLUSIVE"), q.writer.toString());
        q.writer.cancel(false);
        assertFalse(q.writer.toString().contains("waiting for"), q.writer.toString());
        q.reader.release();
        assertTrue(q.reader.toString().contains("released"), q.reader.toString());
        try (var watch = q.lock.watch(SHARED)) {
            assertTrue(watch.toString().contains("SHARED"), watch.toString());
            assertTrue(watch.toString().contains(watch.isSet() ? "set" : "clear"),
                    watch.toString());
        }
    }
}
