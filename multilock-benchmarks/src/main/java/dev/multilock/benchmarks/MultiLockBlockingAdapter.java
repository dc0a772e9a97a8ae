package dev.multilock.benchmarks;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link Contender#MULTILOCK_LOCK}: multilock waited for on the calling thread, as a user of
 * {@code ReentrantReadWriteLock} would call it: {@code lock(type)}, which spins briefly and parks
 * until the grant wakes it (no future on that path), and {@code handle.release()}. The token is
 * the {@link Handle}.
 */
final class MultiLockBlockingAdapter implements LockAdapter {

    private final MultiLock lock = MultiLock.create();

    private static MultiLockType type(boolean exclusive) {
        return exclusive ? MultiLockType.EXCLUSIVE : MultiLockType.SHARED;
    }

    @Override
    public Object tryAcquire(boolean exclusive) {
        return lock.tryAcquire(type(exclusive)).orElse(null);
    }

    @Override
    public Object acquire(boolean exclusive) {
        return lock.lock(type(exclusive));
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return CompletableFuture.completedFuture(acquire(exclusive)); // blocks this thread
    }

    @Override
    public void release(boolean exclusive, Object token) {
        ((Handle) token).release();
    }

    @Override
    public boolean isAsync() {
        return false;
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
