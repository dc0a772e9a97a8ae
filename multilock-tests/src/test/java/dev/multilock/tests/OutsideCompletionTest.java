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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * API.md rule 3 for the completion methods of a waiting acquisition that CancellationTest does
 * not reach: {@code completeAsync} (both overloads), {@code obtrudeValue} and
 * {@code obtrudeException}. Each must withdraw the request, so that the waiter behind it gets in,
 * and complete the future with what the caller gave.
 */
@Timeout(value = 5, unit = SECONDS)
final class OutsideCompletionTest {

    /** A SHARED holder, an EXCLUSIVE request queued, and a SHARED request behind it. */
    private static final class Queue {
        final MultiLock lock = MultiLock.create();
        final Handle reader = lock.tryAcquire(SHARED).orElseThrow();
        final CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        final CompletableFuture<Handle> lateReader = lock.acquire(SHARED);

        Queue() {
            assertFalse(writer.isDone(), "the writer waits behind the reader");
            assertFalse(lateReader.isDone(), "the late reader waits behind the writer (FIFO)");
            assertEquals(2, lock.queueLength());
        }

        /** After the writer's withdrawal: the late reader is in, and nothing leaks. */
        void assertWriterWithdrawn() throws Exception {
            assertTrue(lateReader.isDone(), "the withdrawal lets the reader behind it in");
            assertEquals(0, lock.queueLength(), "the withdrawn writer is not counted");
            lateReader.get().release();
            reader.release();
            assertSame(MultiLockType.NONE, lock.locked(), "nothing is left held");
            assertTrue(lock.tryAcquire(EXCLUSIVE).isPresent(), "the lock is usable again");
        }
    }

    @Test
    void completeAsync_waitingAcquisition_withdrawnAndCompletedWithTheSuppliedValue()
            throws Exception {
        Queue q = new Queue();
        Executor direct = Runnable::run;
        CompletableFuture<Handle> returned = q.writer.completeAsync(() -> null, direct);
        assertSame(q.writer, returned, "completeAsync returns the future itself");
        assertTrue(q.writer.isDone());
        assertNull(q.writer.get(), "completed with the supplied value, not a grant");
        q.assertWriterWithdrawn();
    }

    @Test
    void completeAsync_supplierThrows_withdrawnAndFailedWithCompletionException()
            throws Exception {
        Queue q = new Queue();
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

    @Test
    void completeAsync_defaultExecutor_withdrawsOnceTheSupplierRuns() throws Exception {
        Queue q = new Queue();
        q.writer.completeAsync(() -> null);
        assertNull(q.writer.get(5, SECONDS));
        q.lateReader.get(5, SECONDS); // let in by the withdrawal, on the default executor
        q.assertWriterWithdrawn();
    }

    @Test
    void obtrudeValue_waitingAcquisition_withdrawnAndValueObtruded() throws Exception {
        Queue q = new Queue();
        q.writer.obtrudeValue(null);
        assertTrue(q.writer.isDone());
        assertNull(q.writer.get());
        q.assertWriterWithdrawn();
    }

    @Test
    void obtrudeException_waitingAcquisition_withdrawnAndExceptionObtruded() throws Exception {
        Queue q = new Queue();
        IllegalStateException boom = new IllegalStateException("boom");
        q.writer.obtrudeException(boom);
        ExecutionException e = assertThrows(ExecutionException.class, q.writer::get);
        assertSame(boom, e.getCause());
        q.assertWriterWithdrawn();
    }

    @Test
    void obtrudeException_null_throwsNpeAndChangesNothing() {
        Queue q = new Queue();
        assertThrows(NullPointerException.class, () -> q.writer.obtrudeException(null));
        assertFalse(q.writer.isDone(), "still waiting");
        assertEquals(2, q.lock.queueLength(), "still queued");
    }

    @Test
    void toString_handleAndWaiter_sayWhatTheyAre() {
        Queue q = new Queue();
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
