package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.granted;
import static dev.multilock.tests.Grants.take;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The memory side of K2 (API.md): a {@link KeyedMultiLock} keeps a key's state, and so the key,
 * only while the key is in use, and lets go of both when the last use ends, so that a family that
 * has seen any number of keys holds nothing of the idle ones. {@link KeyedMultiLockTest} checks
 * that {@code size()} counts each use; this class checks that what is no longer counted is no
 * longer reachable, through {@link WeakReference}s to the keys:
 *
 * <ul>
 *   <li>a million distinct keys, each acquired and released once, leave {@code size() == 0}, and
 *       a sample of them is collected;
 *   <li>a key used once (acquired and released, watched and closed, awaited until acquirable, run
 *       under {@code withLock}) is collected;
 *   <li>for each way a key is in use ({@link Use}: held, queued for, watched, awaited, pinned by a
 *       waiting set acquisition) and each way that use can end (release, grant and release,
 *       cancellation, time-out, {@code Watch.close()}, completion or cancellation of
 *       {@code whenAcquirable}, set granted and released or cancelled): while the use lasts,
 *       {@code size()} counts the key and the key survives a collection; once it has ended,
 *       {@code size() == 0} and the key is collected. (While the use lasts the test holds what
 *       ends it, a handle, a future or a watch, which may reach the key's state and so the key:
 *       the count is the evidence then, and the surviving key the control that shows the later
 *       collection is due to the end of the use, not to how the test holds the key);
 *   <li>a {@code MultiLock} returned by {@code get} and still referenced keeps no state alive, and
 *       works when used again.
 * </ul>
 *
 * <p>The test itself keeps no strong reference to a key it expects to be collected: each key is
 * made and used in a helper method that returns only a weak reference. "Collected" is a bounded
 * poll: up to {@value #GC_ATTEMPTS} calls of {@link System#gc()}, then a failure that names the
 * use that leaked. Tried once against a family that kept a reference to the last state it dropped
 * (a leak that {@code size()} cannot see, planted in a scratch copy of the implementation): every
 * test here failed.
 */
@Timeout(value = 60, unit = SECONDS)
final class KeyedMemoryTest {

    /** How many distinct keys the bulk test uses. */
    private static final int MILLION = 1_000_000;
    /** Every how many keys of the bulk test one is watched by a weak reference. */
    private static final int SAMPLE_EVERY = 100_000;
    /** Keys of the bulk test start here, beyond every cache of boxed values: each is new. */
    private static final long FIRST_KEY = 1L << 40;
    /** How many times {@link #assertCollected} runs the collector before it fails. */
    private static final int GC_ATTEMPTS = 10;
    /** The time-out of the timed-out request in {@link Use#QUEUED_THEN_TIMED_OUT}. */
    private static final long TIMEOUT_MS = 50;

    // ---- a million keys ----

    @Test
    void acquireAndRelease_millionDistinctKeys_leaveNoStateAndAreCollected() {
        KeyedMultiLock<Long> family = KeyedMultiLock.create();
        List<WeakReference<Long>> sample = new ArrayList<>();
        MultiLockType[] types = MultiLockType.values();
        for (int i = 0; i < MILLION; i++) {
            Long key = Long.valueOf(FIRST_KEY + i);
            MultiLockType type = types[i % types.length];
            MultiLock lock = family.get(key);
            // alternately the synchronous and the asynchronous path, each mode in turn
            Handle h = i % 2 == 0 ? lock.tryAcquire(type).orElse(null) : lock.acquire(type).join();
            if (h == null || !h.release()) {
                fail("key " + key + " was idle: " + type + " must be taken and released at once; "
                        + family);
            }
            if (i % SAMPLE_EVERY == SAMPLE_EVERY - 1) { // the last key too: the likeliest kept
                sample.add(new WeakReference<>(key));
            }
        }
        assertEquals(0, family.size(),
                () -> "K2: after a million keys each acquired and released once, no key has"
                        + " state; " + family);
        assertCollected(sample, "a sample of a million keys, each acquired and released once");
    }

    // ---- a key used once ----

    @Test
    void useOnce_eachWay_keysCollected() {
        KeyedMultiLock<TestKey> family = KeyedMultiLock.create();
        List<WeakReference<TestKey>> keys = new ArrayList<>();
        // k1..k5: unequal keys with one hash code, so they share a bin of the family's table
        keys.add(useOnce(family, 1, lock -> assertTrue(lock.acquire(EXCLUSIVE).join().release())));
        keys.add(useOnce(family, 2, lock -> assertTrue(take(lock, SHARED).release())));
        keys.add(useOnce(family, 3, lock -> lock.watch(EXCLUSIVE).close()));
        keys.add(useOnce(family, 4, lock -> {
            Handle writer = take(lock, EXCLUSIVE);
            CompletableFuture<Void> free = lock.whenAcquirable(SHARED);
            writer.release();
            assertTrue(free.isDone(), "the release makes SHARED acquirable");
        }));
        keys.add(useOnce(family, 5, lock -> assertEquals("done",
                lock.withLock(NONE, () -> CompletableFuture.completedFuture("done")).join())));
        assertEquals(0, family.size(), () -> "K2: every use has ended; " + family);
        assertCollected(keys, "keys each used once: acquire+release, tryAcquire+release,"
                + " watch+close, whenAcquirable completed, withLock");
    }

    /** Uses a new key {@code index} once through {@code use}; returns only a weak reference. */
    private static WeakReference<TestKey> useOnce(KeyedMultiLock<TestKey> family, int index,
            Consumer<MultiLock> use) {
        TestKey key = TestKey.of(index);
        use.accept(family.get(key));
        return new WeakReference<>(key);
    }

    // ---- each way a key is in use, and each way that use ends ----

    /**
     * A way for a key to be in use (API.md, K2), started on the key's lock, and one way for that
     * use to end. Each leaves exactly one key of the family in use until it ends: where a use
     * needs a holder to wait behind (queued, awaited), the holder is on the same key; a set waits
     * behind a holder of a plain lock.
     */
    enum Use {
        HELD_NONE_THEN_RELEASED {
            @Override
            Runnable start(MultiLock lock) {
                Handle h = take(lock, NONE); // invisible in locked(), a use all the same
                return () -> assertTrue(h.release());
            }
        },
        HELD_SHARED_THEN_RELEASED {
            @Override
            Runnable start(MultiLock lock) {
                Handle h = granted(lock.acquire(SHARED));
                return () -> assertTrue(h.release());
            }
        },
        HELD_DOWNGRADED_THEN_RELEASED {
            @Override
            Runnable start(MultiLock lock) {
                Handle h = take(lock, EXCLUSIVE);
                assertTrue(h.downgrade());
                return () -> assertTrue(h.release());
            }
        },
        QUEUED_THEN_GRANTED_AND_RELEASED {
            @Override
            Runnable start(MultiLock lock) {
                Handle writer = take(lock, EXCLUSIVE);
                CompletableFuture<Handle> reader = lock.acquire(SHARED);
                assertFalse(reader.isDone());
                return () -> {
                    assertTrue(writer.release());
                    assertTrue(granted(reader).release());
                };
            }
        },
        QUEUED_THEN_CANCELLED {
            @Override
            Runnable start(MultiLock lock) {
                Handle writer = take(lock, EXCLUSIVE);
                CompletableFuture<Handle> reader = lock.acquire(SHARED);
                return () -> {
                    assertTrue(reader.cancel(false));
                    assertTrue(writer.release());
                };
            }
        },
        QUEUED_THEN_TIMED_OUT {
            @Override
            Runnable start(MultiLock lock) {
                Handle writer = take(lock, EXCLUSIVE);
                CompletableFuture<Handle> second =
                        lock.acquire(EXCLUSIVE).orTimeout(TIMEOUT_MS, MILLISECONDS);
                return () -> {
                    ExecutionException e =
                            assertThrows(ExecutionException.class, () -> second.get(5, SECONDS));
                    assertInstanceOf(TimeoutException.class, e.getCause());
                    assertTrue(writer.release());
                };
            }
        },
        WATCHED_THEN_CLOSED {
            @Override
            Runnable start(MultiLock lock) {
                Watch w = lock.watch(SHARED);
                return w::close;
            }
        },
        AWAITED_THEN_COMPLETED {
            @Override
            Runnable start(MultiLock lock) {
                Handle writer = take(lock, EXCLUSIVE);
                CompletableFuture<Void> free = lock.whenAcquirable(EXCLUSIVE);
                assertFalse(free.isDone());
                return () -> {
                    assertTrue(writer.release());
                    assertTrue(free.isDone(), "the release makes EXCLUSIVE acquirable");
                };
            }
        },
        AWAITED_THEN_CANCELLED {
            @Override
            Runnable start(MultiLock lock) {
                Handle writer = take(lock, EXCLUSIVE);
                CompletableFuture<Void> free = lock.whenAcquirable(SHARED);
                return () -> {
                    assertTrue(free.cancel(false));
                    assertTrue(writer.release());
                };
            }
        },
        PINNED_BY_SET_THEN_GRANTED_AND_RELEASED {
            @Override
            Runnable start(MultiLock lock) {
                MultiLock plain = MultiLock.create();
                Handle blocker = take(plain, EXCLUSIVE);
                CompletableFuture<Handle> both = MultiLockSet.of(lock, plain).acquire(SHARED);
                assertFalse(both.isDone());
                return () -> {
                    assertTrue(blocker.release());
                    assertTrue(granted(both).release());
                };
            }
        },
        PINNED_BY_SET_THEN_CANCELLED {
            @Override
            Runnable start(MultiLock lock) {
                MultiLock plain = MultiLock.create();
                Handle blocker = take(plain, EXCLUSIVE);
                CompletableFuture<Handle> both = MultiLockSet.of(plain, lock).acquire(EXCLUSIVE);
                return () -> {
                    assertTrue(both.cancel(false));
                    assertTrue(blocker.release());
                };
            }
        };

        /** Puts the key of {@code lock} in use; returns what ends that use. */
        abstract Runnable start(MultiLock lock);
    }

    @ParameterizedTest
    @EnumSource(Use.class)
    void use_whileItLasts_keyCountedAndKept_thenDroppedAndCollected(Use use) {
        KeyedMultiLock<TestKey> family = KeyedMultiLock.create();
        WeakReference<TestKey> key = useAndEnd(family, use);
        assertEquals(0, family.size(), () -> "K2: " + use + " has ended; " + family);
        assertCollected(List.of(key), "the key of " + use + ", which has ended");
    }

    /**
     * Runs {@code use} on a new key, checks that the family counts and keeps the key while it
     * lasts, and ends it. Returns only a weak reference to the key.
     */
    private static WeakReference<TestKey> useAndEnd(KeyedMultiLock<TestKey> family, Use use) {
        Started started = start(family, use);
        assertEquals(1, family.size(), () -> "K2: " + use + " keeps its key's state; " + family);
        System.gc(); // the test holds what ends the use, not the key itself
        assertNotNull(started.key().get(), () -> "K2: " + use + " lost its key while in use");
        assertEquals(1, family.size(), () -> "K2: " + use + " keeps its key's state; " + family);
        started.end().run();
        return started.key();
    }

    /** A use under way: a weak reference to its key, and what ends it. */
    private record Started(WeakReference<TestKey> key, Runnable end) {}

    private static Started start(KeyedMultiLock<TestKey> family, Use use) {
        TestKey key = TestKey.of(1);
        Runnable end = use.start(family.get(key));
        return new Started(new WeakReference<>(key), end);
    }

    // ---- the lock that get returns ----

    @Test
    void get_viewStillReferenced_keepsNoState() {
        KeyedMultiLock<TestKey> family = KeyedMultiLock.create();
        MultiLock view = family.get(TestKey.of(1));
        WeakReference<TestKey> creator = useThroughAnEqualKey(family, view);
        assertEquals(0, family.size(), () -> "K2: a referenced view keeps no state; " + family);
        // The state was created for an equal key object, and the view took part in every use of
        // it: if the view kept the state, it would keep that key object too.
        assertCollected(List.of(creator), "the key that created the state a referenced view used");
        Handle again = take(view, EXCLUSIVE);
        assertEquals(EXCLUSIVE, family.get(TestKey.of(1)).locked(), "K2: the view works again");
        assertTrue(again.release());
        assertEquals(0, family.size());
        Reference.reachabilityFence(view);
    }

    /**
     * Creates the state of {@code view}'s key through an equal key object, then queues, watches,
     * awaits and holds through {@code view}, and ends it all. Returns only a weak reference to the
     * key object that created the state.
     */
    private static WeakReference<TestKey> useThroughAnEqualKey(KeyedMultiLock<TestKey> family,
            MultiLock view) {
        TestKey creator = TestKey.of(1);
        Handle writer = take(family.get(creator), EXCLUSIVE);
        CompletableFuture<Handle> reader = view.acquire(SHARED);
        Watch watch = view.watch(EXCLUSIVE);
        CompletableFuture<Void> free = view.whenAcquirable(SHARED);
        assertTrue(view.tryAcquire(NONE).isEmpty(), "K1: one lock for equal keys");
        assertEquals(1, family.size());
        assertTrue(view.release(writer), "K4: a handle releases through any lock of its key");
        assertTrue(free.isDone());
        assertTrue(granted(reader).release());
        assertTrue(watch.isSet());
        watch.close();
        return new WeakReference<>(creator);
    }

    // ---- collection ----

    /**
     * Runs the collector until every reference of {@code refs} is cleared, at most
     * {@value #GC_ATTEMPTS} times; then fails, saying how many of them {@code what} left
     * reachable.
     */
    private static void assertCollected(List<? extends WeakReference<?>> refs, String what) {
        int left = refs.size();
        for (int attempt = 0; attempt < GC_ATTEMPTS && left > 0; attempt++) {
            System.gc();
            left = (int) refs.stream().filter(r -> r.get() != null).count();
        }
        if (left > 0) {
            fail("K2 (a family drops a key's state with its last use, and the key with it): "
                    + left + " of " + refs.size() + " keys still reachable after " + GC_ATTEMPTS
                    + " garbage collections: " + what);
        }
    }
}
