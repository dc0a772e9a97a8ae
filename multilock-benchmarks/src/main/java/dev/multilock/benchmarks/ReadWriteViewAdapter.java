package dev.multilock.benchmarks;

import dev.multilock.MultiLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * {@link Contender#MULTILOCK_RWVIEW}: multilock through its {@link ReadWriteLock} view
 * ({@code MultiLock.asReadWriteLock()}), the one-line switch for code written against
 * {@code ReentrantReadWriteLock}: {@code readLock()}/{@code writeLock()}, then {@code tryLock()}
 * or {@code lock()}, and {@code unlock()}. The view keeps each hold's handle itself, so the token
 * is the view's {@link Lock}, as for the JDK locks; what keeping the handles costs is part of the
 * score.
 */
final class ReadWriteViewAdapter implements LockAdapter {

    private final MultiLock multiLock = MultiLock.create();
    private final Lock read;
    private final Lock write;

    ReadWriteViewAdapter() {
        ReadWriteLock view = multiLock.asReadWriteLock();
        read = view.readLock();
        write = view.writeLock();
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

    @Override
    public String toString() {
        return multiLock.toString();
    }
}
