package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@link Contender#RRWL_NONFAIR} and {@link Contender#RRWL_FAIR}: {@code tryLock}/{@code lock}
 * and {@code unlock} of the read or write view. The token is the view, which needs no allocation.
 */
final class ReentrantReadWriteLockAdapter implements LockAdapter {

    private final ReentrantReadWriteLock.ReadLock read;
    private final ReentrantReadWriteLock.WriteLock write;

    ReentrantReadWriteLockAdapter(boolean fair) {
        ReentrantReadWriteLock lock = new ReentrantReadWriteLock(fair);
        read = lock.readLock();
        write = lock.writeLock();
    }

    @Override
    public Object tryAcquire(boolean exclusive) {
        if (exclusive) {
            return write.tryLock() ? write : null;
        }
        return read.tryLock() ? read : null;
    }

    @Override
    public Object acquire(boolean exclusive) {
        if (exclusive) {
            write.lock();
            return write;
        }
        read.lock();
        return read;
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return CompletableFuture.completedFuture(acquire(exclusive)); // blocks this thread
    }

    @Override
    public void release(boolean exclusive, Object token) {
        if (exclusive) {
            write.unlock();
        } else {
            read.unlock();
        }
    }

    @Override
    public boolean isAsync() {
        return false;
    }
}
