package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;

/**
 * The keyed Lincheck suites' harness: a {@link TestedKeyedLock} over the keys
 * {@link TestKey#of(int) k1} and {@link TestKey#of(int) k2} (unequal, with equal hash codes, so
 * that they share a bin of the family's table), and for each key the per-thread slots of
 * {@link LockSlots}. An operation names its key by index, 1 or 2.
 *
 * <p>Every call on a key's lock fetches the lock from the family anew ({@code family.get(key)}),
 * as a user that keeps no {@code MultiLock} would: the real family returns a fresh view each
 * time, which finds the key's state, live, dead or none, at that moment. Handles are released
 * through such a fresh view too (API.md, K4).
 *
 * <p>{@link #checkNothingLeaks()} adds the family's side of the quiescence check: the family has
 * live state for exactly the keys in use (K2: held, waited for or watched), and for none once
 * every key's slots are cleaned up.
 */
final class KeyedSlots {

    /** The index of the first key. */
    static final int FIRST_KEY = 1;
    /** The number of keys: k1 and k2. */
    static final int KEYS = 2;
    /** The keys, as the configuration of Lincheck's {@code IntGen}. */
    static final String KEY_RANGE = FIRST_KEY + ":" + (FIRST_KEY + KEYS - 1);

    private final TestedKeyedLock family;
    private final LockSlots[] byKey = new LockSlots[KEYS];

    KeyedSlots(TestedKeyedLock family) {
        this.family = family;
        for (int i = 0; i < KEYS; i++) {
            byKey[i] = new LockSlots(new FreshKeyLock(family, FIRST_KEY + i));
        }
    }

    /** The slots of key {@code key} (1 or 2). */
    LockSlots of(int key) {
        return byKey[key - FIRST_KEY];
    }

    /**
     * At quiescence (after the post part): {@code size()} counts exactly the keys in use; each
     * key passes {@link LockSlots#checkNothingLeaks()}; then the family keeps no state.
     *
     * @throws IllegalStateException naming the broken invariant
     */
    void checkNothingLeaks() {
        int inUse = 0;
        for (LockSlots slots : byKey) {
            if (slots.inUse()) {
                inUse++;
            }
        }
        if (family.size() != inUse) {
            throw new IllegalStateException("size() at quiescence is " + family.size() + ", but "
                    + inUse + " keys are held, waited for or watched: " + this);
        }
        for (LockSlots slots : byKey) {
            slots.checkNothingLeaks();
        }
        if (family.size() != 0) {
            throw new IllegalStateException("leak: with every key idle, size() is "
                    + family.size() + ": " + this);
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(family.toString());
        for (LockSlots slots : byKey) {
            s.append(", ").append(slots);
        }
        return s.toString();
    }

    /** The lock of one key, fetched from the family anew for every call. */
    private static final class FreshKeyLock implements TestedLock {
        private final TestedKeyedLock family;
        private final int key;

        FreshKeyLock(TestedKeyedLock family, int key) {
            this.family = family;
            this.key = key;
        }

        private TestedLock lock() {
            return family.get(key);
        }

        @Override
        public Object tryAcquire(MultiLockType type) {
            return lock().tryAcquire(type);
        }

        @Override
        public CompletableFuture<Object> acquire(MultiLockType type) {
            return lock().acquire(type);
        }

        @Override
        public boolean release(Object token) {
            return lock().release(token);
        }

        @Override
        public boolean downgrade(Object token) {
            return lock().downgrade(token);
        }

        @Override
        public MultiLockType locked() {
            return lock().locked();
        }

        @Override
        public int queueLength() {
            return lock().queueLength();
        }

        @Override
        public Object watch(MultiLockType type) {
            return lock().watch(type);
        }

        @Override
        public boolean isSet(Object watch) {
            return lock().isSet(watch);
        }

        @Override
        public void clear(Object watch) {
            lock().clear(watch);
        }

        @Override
        public void close(Object watch) {
            lock().close(watch);
        }

        @Override
        public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
            return lock().whenAcquirable(type);
        }

        @Override
        public String toString() {
            return lock().toString();
        }
    }
}
