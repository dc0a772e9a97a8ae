package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every adapter gives the same read-write semantics, so every scenario drives them alike. */
final class LockAdapterTest {

    /**
     * Tries the lock on another thread (the JDK locks are reentrant per thread) and releases it
     * there at once.
     */
    private static boolean canAcquireElsewhere(LockAdapter lock, boolean exclusive)
            throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            Object token = lock.tryAcquire(exclusive);
            if (token == null) {
                return false;
            }
            lock.release(exclusive, token);
            return true;
        }).get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(value = Contender.class, names = "NOOP", mode = EnumSource.Mode.EXCLUDE)
    void tryAcquire_writerHeld_excludesEveryone(Contender contender) throws Exception {
        LockAdapter lock = contender.create();
        Object writer = lock.tryAcquire(true);
        assertNotNull(writer);
        assertFalse(canAcquireElsewhere(lock, false), "a writer excludes a reader");
        assertFalse(canAcquireElsewhere(lock, true), "a writer excludes a writer");
        lock.release(true, writer);
        assertTrue(canAcquireElsewhere(lock, true), "free again after release");
    }

    @ParameterizedTest
    @EnumSource(value = Contender.class, names = "NOOP", mode = EnumSource.Mode.EXCLUDE)
    void acquire_readerHeld_sharesButExcludesWriter(Contender contender) throws Exception {
        LockAdapter lock = contender.create();
        Object reader = lock.acquire(false);
        assertTrue(canAcquireElsewhere(lock, false), "readers share");
        assertFalse(canAcquireElsewhere(lock, true), "a reader excludes a writer");
        lock.release(false, reader);
        assertTrue(canAcquireElsewhere(lock, true), "free again after release");
    }

    @ParameterizedTest
    @EnumSource(value = Contender.class, names = "NOOP", mode = EnumSource.Mode.EXCLUDE)
    void acquireAsync_writerHeld_grantedAfterRelease(Contender contender) throws Exception {
        LockAdapter lock = contender.create();
        Object writer = lock.acquire(true);
        CompletableFuture<Boolean> reader;
        if (lock.isAsync()) {
            // the request returns at once, pending; the release below completes it
            reader = lock.acquireAsync(false).toCompletableFuture().thenApply(token -> {
                lock.release(false, token);
                return true;
            });
        } else {
            // a blocking lock (a JDK lock, multilock's lock() or its view) blocks the
            // requesting thread, which then releases it itself
            reader = CompletableFuture.supplyAsync(() -> lock.acquireAsync(false)
                    .toCompletableFuture().thenApply(token -> {
                        lock.release(false, token);
                        return true;
                    }).join());
        }
        assertFalse(reader.isDone(), "granted while a writer held the lock");
        lock.release(true, writer);
        assertTrue(reader.get(10, TimeUnit.SECONDS));
        assertTrue(canAcquireElsewhere(lock, true), "nothing leaked");
    }

    @ParameterizedTest
    @EnumSource(Contender.class)
    void isAsync_matchesTheKindOfLock(Contender contender) {
        boolean blocking = contender == Contender.RRWL_NONFAIR
                || contender == Contender.RRWL_FAIR || contender == Contender.STAMPED
                || contender == Contender.MULTILOCK_LOCK || contender == Contender.MULTILOCK_RWVIEW;
        assertEquals(!blocking, contender.create().isAsync());
        assertTrue(contender.create().acquireAsync(true).toCompletableFuture().isDone(),
                "a free lock is granted at once");
    }

    /** The do-nothing contender grants everything at once, and nothing else. */
    @Test
    void noop_writerHeld_everyoneGrantedAtOnceWithoutAllocation() throws Exception {
        LockAdapter lock = Contender.NOOP.create();
        Object writer = lock.acquire(true);
        assertTrue(canAcquireElsewhere(lock, true), "the do-nothing lock excludes nobody");
        CompletableFuture<?> first = lock.acquireAsync(true).toCompletableFuture();
        assertTrue(first.isDone(), "granted at once");
        assertSame(first, lock.acquireAsync(false).toCompletableFuture(),
                "one completed future for every request: no allocation per request");
        assertSame(writer, lock.tryAcquire(false), "one token for every acquisition");
        lock.release(true, writer);
        assertThrows(IllegalArgumentException.class, () -> lock.release(false, new Object()),
                "a foreign token is refused");
    }
}
