package dev.multilock.benchmarks;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletionStage;

/** {@link Contender#MULTILOCK}: the token is the acquisition's {@link Handle}. */
final class MultiLockAdapter implements LockAdapter {

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
        return lock.acquire(type(exclusive)).join();
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return lock.acquire(type(exclusive));
    }

    @Override
    public void release(boolean exclusive, Object token) {
        lock.release((Handle) token);
    }

    @Override
    public boolean isAsync() {
        return true;
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
