package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The baseline must be a correct FIFO lock, or the comparison with it means nothing. */
final class HandWrittenAsyncReadWriteLockTest {

    private final HandWrittenAsyncReadWriteLock lock = new HandWrittenAsyncReadWriteLock();

    @Test
    void acquire_free_completesAtOnce() {
        assertTrue(lock.acquire(true).isDone());
    }

    @Test
    void acquire_readersHeld_sharesAtOnce() {
        assertTrue(lock.acquire(false).isDone());
        assertTrue(lock.acquire(false).isDone());
    }

    @Test
    void acquireShared_writerWaiting_queuesBehindIt() {
        lock.acquire(false).join();
        CompletableFuture<Void> writer = lock.acquire(true);
        CompletableFuture<Void> reader = lock.acquire(false);
        assertFalse(writer.isDone(), "writer waits for the reader");
        assertFalse(reader.isDone(), "a reader must not overtake a waiting writer (FIFO)");
        assertFalse(lock.tryAcquire(false), "tryAcquire must not barge past a waiting writer");
        lock.release(false);
        assertTrue(writer.isDone(), "the writer is next");
        assertFalse(reader.isDone(), "the reader waits for the writer");
        lock.release(true);
        assertTrue(reader.isDone());
    }

    @Test
    void release_writer_grantsTheWholeRunOfReadersAndStopsAtTheNextWriter() {
        lock.acquire(true).join();
        CompletableFuture<Void> r1 = lock.acquire(false);
        CompletableFuture<Void> r2 = lock.acquire(false);
        CompletableFuture<Void> w = lock.acquire(true);
        CompletableFuture<Void> r3 = lock.acquire(false);
        lock.release(true);
        assertTrue(r1.isDone() && r2.isDone(), "the run of readers enters together");
        assertFalse(w.isDone() || r3.isDone(), "the run stops at the next writer");
        lock.release(false);
        lock.release(false);
        assertTrue(w.isDone());
        assertFalse(r3.isDone());
    }

    @Test
    void release_grant_completesOutsideTheMonitor() {
        lock.acquire(true).join();
        AtomicBoolean heldMonitor = new AtomicBoolean(true);
        lock.acquire(false).thenRun(() -> heldMonitor.set(Thread.holdsLock(lock)));
        lock.release(true);
        assertFalse(heldMonitor.get(), "a continuation ran while the monitor was held");
    }

    @Test
    void release_cancelledWaiter_isSkipped() {
        lock.acquire(true).join();
        CompletableFuture<Void> cancelled = lock.acquire(true);
        CompletableFuture<Void> next = lock.acquire(true);
        cancelled.cancel(false);
        lock.release(true);
        assertTrue(next.isDone(), "the waiter behind a cancelled one is granted");
        lock.release(true);
        assertTrue(lock.tryAcquire(true), "nothing leaked");
    }

    @Test
    void release_continuationReleases_nextWaiterGranted() {
        lock.acquire(true).join();
        CompletableFuture<Void> a = lock.acquire(true);
        a.thenRun(() -> lock.release(true));
        CompletableFuture<Void> b = lock.acquire(true);
        lock.release(true);
        assertTrue(a.isDone() && b.isDone());
        lock.release(true);
        assertTrue(lock.tryAcquire(true));
    }

    @Test
    void release_notHeld_throws() {
        assertThrows(IllegalStateException.class, () -> lock.release(true));
        assertThrows(IllegalStateException.class, () -> lock.release(false));
    }
}
