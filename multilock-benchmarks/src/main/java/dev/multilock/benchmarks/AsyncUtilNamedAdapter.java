package dev.multilock.benchmarks;

import com.ibm.asyncutil.locks.AsyncLock;
import com.ibm.asyncutil.locks.FairAsyncNamedReadWriteLock;
import java.util.concurrent.CompletionStage;

/**
 * {@link KeyedContender#ASYNCUTIL}: IBM async-util's {@link FairAsyncNamedReadWriteLock}, which
 * keeps a node per name in a {@code ConcurrentHashMap} while the name is in use.
 * {@code acquireReadLock(key)} / {@code acquireWriteLock(key)}
 * ({@code .toCompletableFuture().join()} where blocking); release on the token:
 * {@code releaseLock()}.
 */
final class AsyncUtilNamedAdapter implements KeyedLockAdapter {

    private final FairAsyncNamedReadWriteLock<Object> family = new FairAsyncNamedReadWriteLock<>();

    @Override
    public Object tryAcquire(Object key, boolean exclusive) {
        return exclusive
                ? family.tryWriteLock(key).orElse(null)
                : family.tryReadLock(key).orElse(null);
    }

    @Override
    public Object acquire(Object key, boolean exclusive) {
        return exclusive
                ? family.acquireWriteLock(key).toCompletableFuture().join()
                : family.acquireReadLock(key).toCompletableFuture().join();
    }

    @Override
    public CompletionStage<?> acquireAsync(Object key, boolean exclusive) {
        return exclusive ? family.acquireWriteLock(key) : family.acquireReadLock(key);
    }

    @Override
    public void release(boolean exclusive, Object token) {
        ((AsyncLock.LockToken) token).releaseLock();
    }

    @Override
    public boolean isAsync() {
        return true;
    }

    @Override
    public int size() {
        return -1; // FairAsyncNamedReadWriteLock.isEmpty() is package-private
    }
}
