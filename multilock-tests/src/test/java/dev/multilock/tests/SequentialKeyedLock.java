package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.Arrays;

/**
 * The sequential specification of the keyed Lincheck suites: one {@link SequentialLock} per key
 * (API.md, K1 and K6: the keys are independent locks), and nothing else. A key with nothing held,
 * queued or watched is idle, and the next use starts from nothing (K2): that is the state the
 * model's lock of that key is in anyway, so the model needs no notion of a dropped state, and a
 * family that drops a state too early or keeps two shows up as results no sequence of these
 * calls gives. It has every operation of {@link KeyedLockOperations}, with the same signatures.
 *
 * <p>Public, with a public constructor and operations, for Lincheck (see {@link SequentialLock}).
 */
public final class SequentialKeyedLock {

    private final SequentialLock[] byKey = new SequentialLock[KeyedSlots.KEYS];

    public SequentialKeyedLock() {
        for (int i = 0; i < byKey.length; i++) {
            byKey[i] = new SequentialLock();
        }
    }

    private SequentialLock of(int key) {
        return byKey[key - KeyedSlots.FIRST_KEY];
    }

    // ---- operations of KeyedLockOperations ----

    public void acquire(MultiLockType type, int key, int thread) {
        of(key).acquire(type, thread);
    }

    public boolean cancel(int key, int thread) {
        return of(key).cancel(thread);
    }

    public boolean isGranted(int key, int thread) {
        return of(key).isGranted(thread);
    }

    public boolean release(int key, int thread) {
        return of(key).release(thread);
    }

    public boolean tryAcquire(MultiLockType type, int key, int thread) {
        return of(key).tryAcquire(type, thread);
    }

    public void watch(MultiLockType type, int key, int thread) {
        of(key).watch(type, thread);
    }

    public boolean close(int key, int thread) {
        return of(key).close(thread);
    }

    public MultiLockType locked(int key) {
        return of(key).locked();
    }

    public int queueLength(int key) {
        return of(key).queueLength();
    }

    // ---- state equality, for Lincheck's transition system ----

    @Override
    public boolean equals(Object o) {
        return o instanceof SequentialKeyedLock other && Arrays.equals(byKey, other.byKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(byKey);
    }

    @Override
    public String toString() {
        return "SequentialKeyedLock" + Arrays.toString(byKey);
    }
}
