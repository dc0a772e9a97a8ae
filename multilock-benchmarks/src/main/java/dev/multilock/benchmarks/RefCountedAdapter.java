package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link KeyedContender#REFCOUNT_RRWL}: the hand-written {@link RefCountedReadWriteLocks}. The
 * token is the key's entry. Blocking only: there is no asynchronous API.
 */
final class RefCountedAdapter implements KeyedLockAdapter {

    private final RefCountedReadWriteLocks<Object> family = new RefCountedReadWriteLocks<>();

    @Override
    public Object tryAcquire(Object key, boolean exclusive) {
        return family.tryLock(key, exclusive);
    }

    @Override
    public Object acquire(Object key, boolean exclusive) {
        return family.lock(key, exclusive);
    }

    @Override
    public CompletionStage<?> acquireAsync(Object key, boolean exclusive) {
        return CompletableFuture.completedFuture(acquire(key, exclusive)); // blocks this thread
    }

    @Override
    @SuppressWarnings("unchecked")
    public void release(boolean exclusive, Object token) {
        family.unlock((RefCountedReadWriteLocks.Entry<Object>) token, exclusive);
    }

    @Override
    public boolean isAsync() {
        return false;
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
