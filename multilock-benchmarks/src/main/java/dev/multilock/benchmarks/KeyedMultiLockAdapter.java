package dev.multilock.benchmarks;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletionStage;

/**
 * {@link KeyedContender#MULTILOCK}: {@code family.get(key).acquire(type)}, and
 * {@code family.get(key).lock(type)} where the thread waits (the lock's own blocking wait, as the
 * JDK locks are used); the token is the acquisition's {@link Handle}, released by
 * {@code handle.release()}.
 * {@code get} is called on every acquisition, as user code does
 * ({@code accounts.get(id).acquire(...)}), so its view object is part of the cost.
 */
final class KeyedMultiLockAdapter implements KeyedLockAdapter {

    private final KeyedMultiLock<Object> family = KeyedMultiLock.create();

    private static MultiLockType type(boolean exclusive) {
        return exclusive ? MultiLockType.EXCLUSIVE : MultiLockType.SHARED;
    }

    @Override
    public Object tryAcquire(Object key, boolean exclusive) {
        return family.get(key).tryAcquire(type(exclusive)).orElse(null);
    }

    @Override
    public Object acquire(Object key, boolean exclusive) {
        return family.get(key).lock(type(exclusive));
    }

    @Override
    public CompletionStage<?> acquireAsync(Object key, boolean exclusive) {
        return family.get(key).acquire(type(exclusive));
    }

    @Override
    public void release(boolean exclusive, Object token) {
        ((Handle) token).release();
    }

    @Override
    public boolean isAsync() {
        return true;
    }

    @Override
    public int size() {
        return family.size();
    }

    @Override
    public String toString() {
        return family.toString();
    }
}
