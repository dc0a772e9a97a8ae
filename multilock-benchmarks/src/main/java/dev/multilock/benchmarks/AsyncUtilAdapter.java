package dev.multilock.benchmarks;

import com.ibm.asyncutil.locks.AsyncLock;
import com.ibm.asyncutil.locks.FairAsyncReadWriteLock;
import java.util.concurrent.CompletionStage;

/**
 * {@link Contender#ASYNCUTIL}: IBM async-util's {@link FairAsyncReadWriteLock}. Its release is
 * on the token ({@code acquireReadLock().toCompletableFuture().join().releaseLock()}).
 */
final class AsyncUtilAdapter implements LockAdapter {

    private final FairAsyncReadWriteLock lock = new FairAsyncReadWriteLock();

    @Override
    public Object tryAcquire(boolean exclusive) {
        return exclusive ? lock.tryWriteLock().orElse(null) : lock.tryReadLock().orElse(null);
    }

    @Override
    public Object acquire(boolean exclusive) {
        return exclusive
                ? lock.acquireWriteLock().toCompletableFuture().join()
                : lock.acquireReadLock().toCompletableFuture().join();
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return exclusive ? lock.acquireWriteLock() : lock.acquireReadLock();
    }

    @Override
    public void release(boolean exclusive, Object token) {
        ((AsyncLock.LockToken) token).releaseLock();
    }

    @Override
    public boolean isAsync() {
        return true;
    }
}
