package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;

/**
 * A blocking contender reached through a read {@link Lock} and a write {@link Lock} whose
 * {@code unlock} needs nothing from the acquisition: {@code tryLock}/{@code lock}, then
 * {@code unlock} of the view of the mode. The token is the view itself, so an acquisition
 * allocates nothing here.
 */
abstract class LockViewsAdapter implements LockAdapter {

    private final Lock read;
    private final Lock write;

    LockViewsAdapter(Lock read, Lock write) {
        this.read = read;
        this.write = write;
    }

    @Override
    public final Object tryAcquire(boolean exclusive) {
        Lock l = exclusive ? write : read;
        return l.tryLock() ? l : null;
    }

    @Override
    public final Object acquire(boolean exclusive) {
        Lock l = exclusive ? write : read;
        l.lock();
        return l;
    }

    @Override
    public final CompletionStage<?> acquireAsync(boolean exclusive) {
        return CompletableFuture.completedFuture(acquire(exclusive)); // blocks this thread
    }

    @Override
    public final void release(boolean exclusive, Object token) {
        (exclusive ? write : read).unlock();
    }

    @Override
    public final boolean isAsync() {
        return false;
    }
}
