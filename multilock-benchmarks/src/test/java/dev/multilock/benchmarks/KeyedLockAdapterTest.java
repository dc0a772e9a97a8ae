package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every keyed adapter gives the same per-key read-write semantics, so that KeyedBenchmark drives
 * them alike; and each family that says how many keys it keeps keeps none when idle.
 */
final class KeyedLockAdapterTest {

    private static final Integer[] KEYS = KeyedBenchmark.keys(16);

    /**
     * Tries a key on another thread (the JDK locks are reentrant per thread) and releases it
     * there at once.
     */
    private static boolean canAcquireElsewhere(KeyedLockAdapter family, Object key,
            boolean exclusive) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            Object token = family.tryAcquire(key, exclusive);
            if (token == null) {
                return false;
            }
            family.release(exclusive, token);
            return true;
        }).get(10, TimeUnit.SECONDS);
    }

    private static void assertIdle(KeyedLockAdapter family) {
        assertTrue(family.size() <= 0, "an idle family keeps state for " + family.size()
                + " keys: " + family);
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void acquire_writerHeld_excludesItsKeyOnly(KeyedContender contender) throws Exception {
        KeyedLockAdapter family = contender.create();
        Object writer = family.acquire(KEYS[0], true);
        assertFalse(canAcquireElsewhere(family, KEYS[0], false), "a writer excludes a reader");
        assertFalse(canAcquireElsewhere(family, KEYS[0], true), "a writer excludes a writer");
        int free = 0;
        for (int i = 1; i < KEYS.length; i++) {
            free += canAcquireElsewhere(family, KEYS[i], true) ? 1 : 0;
        }
        if (contender == KeyedContender.GUAVA_STRIPED) {
            // unequal keys may share a stripe, by design: most of them do not
            assertTrue(free >= KEYS.length - 3, free + " of 15 other keys free");
        } else {
            assertEquals(KEYS.length - 1, free, "other keys are independent");
        }
        family.release(true, writer);
        assertTrue(canAcquireElsewhere(family, KEYS[0], true), "free again after release");
        assertIdle(family);
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void acquire_readerHeld_sharesButExcludesWriter(KeyedContender contender) throws Exception {
        KeyedLockAdapter family = contender.create();
        Object reader = family.acquire(KEYS[1], false);
        assertTrue(canAcquireElsewhere(family, KEYS[1], false), "readers share");
        assertFalse(canAcquireElsewhere(family, KEYS[1], true), "a reader excludes a writer");
        family.release(false, reader);
        assertTrue(canAcquireElsewhere(family, KEYS[1], true), "free again after release");
        assertIdle(family);
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void acquireAsync_writerHeld_grantedAfterRelease(KeyedContender contender) throws Exception {
        KeyedLockAdapter family = contender.create();
        Object key = KEYS[2];
        Object writer = family.acquire(key, true);
        CompletableFuture<Boolean> reader;
        if (family.isAsync()) {
            // the request returns at once, pending; the release below completes it
            reader = family.acquireAsync(key, false).toCompletableFuture().thenApply(token -> {
                family.release(false, token);
                return true;
            });
        } else {
            // a blocking family blocks the requesting thread, which then releases it itself
            reader = CompletableFuture.supplyAsync(() -> family.acquireAsync(key, false)
                    .toCompletableFuture().thenApply(token -> {
                        family.release(false, token);
                        return true;
                    }).join());
        }
        assertFalse(reader.isDone(), "granted while a writer held the key");
        family.release(true, writer);
        assertTrue(reader.get(10, TimeUnit.SECONDS));
        assertTrue(canAcquireElsewhere(family, key, true), "nothing leaked");
        assertIdle(family);
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void isAsync_matchesTheKindOfFamily(KeyedContender contender) {
        boolean blocking = contender == KeyedContender.GUAVA_STRIPED
                || contender == KeyedContender.REFCOUNT_RRWL;
        KeyedLockAdapter family = contender.create();
        assertEquals(!blocking, family.isAsync());
        CompletableFuture<?> granted = family.acquireAsync(KEYS[3], true).toCompletableFuture();
        assertTrue(granted.isDone(), "a free key is granted at once");
        family.release(true, granted.join());
        assertIdle(family);
    }

    @ParameterizedTest
    @EnumSource(KeyedContender.class)
    void plain_createsAFreeLock(KeyedContender contender) {
        LockAdapter plain = contender.plain().create();
        Object token = plain.tryAcquire(true);
        assertNotNull(token);
        plain.release(true, token);
    }
}
