package dev.multilock.benchmarks;

import java.util.concurrent.CompletionStage;

/**
 * {@link Contender#BASELINE}: the hand-written {@link HandWrittenAsyncReadWriteLock}. Its release
 * needs only the mode, so the token of a synchronous acquisition is a marker; the futures of
 * asynchronous ones complete with {@code null}.
 */
final class BaselineAdapter implements LockAdapter {

    private static final Object HELD = new Object();

    private final HandWrittenAsyncReadWriteLock lock = new HandWrittenAsyncReadWriteLock();

    @Override
    public Object tryAcquire(boolean exclusive) {
        return lock.tryAcquire(exclusive) ? HELD : null;
    }

    @Override
    public Object acquire(boolean exclusive) {
        lock.acquire(exclusive).join();
        return HELD;
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return lock.acquire(exclusive);
    }

    @Override
    public void release(boolean exclusive, Object token) {
        lock.release(exclusive);
    }

    @Override
    public boolean isAsync() {
        return true;
    }
}
