package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The hand-written keyed lock must be a correct one (exclusion per key, no entry left behind,
 * none dropped while in use), or the comparison with it means nothing.
 */
final class RefCountedReadWriteLocksTest {

    private final RefCountedReadWriteLocks<String> locks = new RefCountedReadWriteLocks<>();

    /** Tries a key on another thread (ReentrantReadWriteLock is reentrant per thread). */
    private boolean canLockElsewhere(String key, boolean exclusive) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            RefCountedReadWriteLocks.Entry<String> e = locks.tryLock(key, exclusive);
            if (e == null) {
                return false;
            }
            locks.unlock(e, exclusive);
            return true;
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void lock_idleKey_createsEntryThatUnlockDrops() {
        RefCountedReadWriteLocks.Entry<String> e = locks.lock("a", true);
        assertEquals(1, locks.size());
        locks.unlock(e, true);
        assertEquals(0, locks.size(), "the last user drops the entry");
    }

    @Test
    void lock_writerHeld_excludesTheKeyButNotOthers() throws Exception {
        RefCountedReadWriteLocks.Entry<String> e = locks.lock("a", true);
        assertTrue(!canLockElsewhere("a", false) && !canLockElsewhere("a", true),
                "a writer excludes readers and writers of its key");
        assertTrue(canLockElsewhere("b", true), "another key is independent");
        assertEquals(1, locks.size(), "a failed tryLock leaves no entry behind");
        locks.unlock(e, true);
        assertTrue(canLockElsewhere("a", true));
        assertEquals(0, locks.size());
    }

    @Test
    void lock_readerHeld_sharesButExcludesWriter() throws Exception {
        RefCountedReadWriteLocks.Entry<String> e = locks.lock("a", false);
        assertTrue(canLockElsewhere("a", false), "readers share");
        assertTrue(!canLockElsewhere("a", true), "a reader excludes a writer");
        locks.unlock(e, false);
        assertEquals(0, locks.size());
    }

    @Test
    void unlock_waiterQueued_keepsTheEntryForIt() throws Exception {
        RefCountedReadWriteLocks.Entry<String> held = locks.lock("a", true);
        ExecutorService other = DaemonThreads.fixedPool("refcount-test", 1);
        try {
            Future<RefCountedReadWriteLocks.Entry<String>> waiter =
                    other.submit(() -> locks.lock("a", false));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!held.lock.hasQueuedThreads()) {
                if (System.nanoTime() > deadline) {
                    fail("the second thread never queued on the key's lock");
                }
                Thread.onSpinWait();
            }
            locks.unlock(held, true);
            RefCountedReadWriteLocks.Entry<String> granted = waiter.get(10, TimeUnit.SECONDS);
            assertSame(held, granted, "the waiter's use kept the entry: one lock for the key");
            assertEquals(1, locks.size());
            other.submit(() -> locks.unlock(granted, false)).get(10, TimeUnit.SECONDS);
            assertEquals(0, locks.size());
        } finally {
            DaemonThreads.shutdown(other);
        }
    }

    @Test
    void unlock_notHeld_throwsAndChangesNothing() {
        RefCountedReadWriteLocks.Entry<String> e = locks.lock("a", false);
        assertThrows(IllegalMonitorStateException.class, () -> locks.unlock(e, true));
        assertEquals(1, locks.size());
        locks.unlock(e, false);
        assertEquals(0, locks.size());
    }

    /**
     * Threads lock few keys at random: no two holders of a key ever conflict, and the map is
     * empty once they are done. Bounded: 4 threads x 20,000 operations, 60 s at most.
     */
    @Test
    void lock_manyThreadsFewKeys_excludesPerKeyAndLeavesNoEntry() throws Exception {
        int keys = 4;
        int threads = 4;
        int operations = 20_000;
        long seed = 0x5EED;
        // per key: -1 while a writer holds it, else the number of readers
        AtomicIntegerArray holders = new AtomicIntegerArray(keys);
        ExecutorService pool = DaemonThreads.fixedPool("refcount-stress", threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(seed + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < operations; i++) {
                        int k = random.nextInt(keys);
                        boolean exclusive = random.nextInt(4) == 0;
                        RefCountedReadWriteLocks.Entry<String> e = locks.lock("k" + k, exclusive);
                        if (exclusive) {
                            if (!holders.compareAndSet(k, 0, -1)) {
                                throw new AssertionError("writer of key " + k + " entered with "
                                        + holders.get(k) + " holders (seed " + seed + ")");
                            }
                            holders.set(k, 0);
                        } else {
                            if (holders.getAndIncrement(k) < 0) {
                                throw new AssertionError("reader of key " + k + " entered while"
                                        + " a writer held it (seed " + seed + ")");
                            }
                            holders.decrementAndGet(k);
                        }
                        locks.unlock(e, exclusive);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            DaemonThreads.shutdown(pool);
        }
        assertEquals(0, locks.size(), "an idle map must be empty");
    }

    @Test
    void tryLock_conflict_returnsNullAndKeepsNoEntry() throws Exception {
        RefCountedReadWriteLocks.Entry<String> e = locks.lock("a", true);
        assertNull(CompletableFuture.supplyAsync(() -> locks.tryLock("a", false))
                .get(10, TimeUnit.SECONDS));
        assertEquals(1, locks.size());
        locks.unlock(e, true);
        RefCountedReadWriteLocks.Entry<String> b = locks.tryLock("b", false);
        assertNotNull(b, "a free key is taken at once");
        locks.unlock(b, false);
        assertEquals(0, locks.size());
    }
}
