package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "Nothing is lost" has a memory side: a withdrawn request must not stay reachable from the lock.
 * Withdrawn requests behind a head that cannot be granted are the hard case, because the queue
 * only drops what reaches its head; the lock sweeps them out once they outnumber the live
 * waiters. This test observes that through weak references to the withdrawn futures.
 */
@Timeout(value = 20, unit = SECONDS)
final class WithdrawnWaiterMemoryTest {

    private static final int WITHDRAWN = 2_000;

    @Test
    void cancel_manyRequestsBehindABlockedHead_lockDoesNotRetainThem() throws Exception {
        MultiLock lock = MultiLock.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> head = lock.acquire(EXCLUSIVE); // stays queued throughout
        List<WeakReference<CompletableFuture<Handle>>> refs = new ArrayList<>();
        List<CompletableFuture<Handle>> waiting = new ArrayList<>();
        for (int i = 0; i < WITHDRAWN; i++) {
            CompletableFuture<Handle> f = lock.acquire(SHARED);
            refs.add(new WeakReference<>(f));
            waiting.add(f);
        }
        // All queue while they wait (the first withdrawal makes the lock take them in), and are
        // withdrawn only then, so they sit behind the head rather than on the arrival stack.
        waiting.forEach(f -> f.cancel(false));
        waiting.clear();
        assertEquals(1, lock.queueLength(), "only the head still waits");

        int retained = WITHDRAWN;
        for (int attempt = 0; attempt < 50 && retained > WITHDRAWN / 10; attempt++) {
            System.gc();
            retained = (int) refs.stream().filter(r -> r.get() != null).count();
        }
        assertTrue(retained <= WITHDRAWN / 10,
                "withdrawn requests behind a blocked head must be swept out of the queue: "
                        + retained + " of " + WITHDRAWN + " still reachable; " + lock);

        holder.release();
        assertTrue(head.isDone(), "the head is granted when the holder leaves");
        head.get().release();
        assertEquals(0, lock.queueLength());
    }
}
