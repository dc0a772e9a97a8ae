package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.StampedLock;

/**
 * {@link Contender#STAMPED}: a {@link StampedLock} through its {@link StampedLock#asReadLock()}
 * and {@link StampedLock#asWriteLock()} views, whose {@code unlock} needs no stamp. Passing the
 * {@code long} stamp through the {@code Object} token would box it and charge StampedLock an
 * allocation it does not make; the views take and drop the same holds with the same CAS.
 * Optimistic reads are not used: no other contender has them.
 */
final class StampedLockAdapter implements LockAdapter {

    private final Lock read;
    private final Lock write;

    StampedLockAdapter() {
        StampedLock lock = new StampedLock();
        read = lock.asReadLock();
        write = lock.asWriteLock();
    }

    @Override
    public Object tryAcquire(boolean exclusive) {
        Lock l = exclusive ? write : read;
        return l.tryLock() ? l : null;
    }

    @Override
    public Object acquire(boolean exclusive) {
        Lock l = exclusive ? write : read;
        l.lock();
        return l;
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return CompletableFuture.completedFuture(acquire(exclusive)); // blocks this thread
    }

    @Override
    public void release(boolean exclusive, Object token) {
        (exclusive ? write : read).unlock();
    }

    @Override
    public boolean isAsync() {
        return false;
    }
}
