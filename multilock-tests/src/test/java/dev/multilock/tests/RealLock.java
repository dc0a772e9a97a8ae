package dev.multilock.tests;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The real {@link MultiLock} (a single lock or a set) behind the {@link TestedLock} operations. */
final class RealLock implements TestedLock {

    final MultiLock lock;

    RealLock(MultiLock lock) {
        this.lock = lock;
    }

    @Override
    public Object tryAcquire(MultiLockType type) {
        return lock.tryAcquire(type).orElse(null);
    }

    @Override
    public CompletableFuture<Object> acquire(MultiLockType type) {
        // the acquisition future itself, so that completing it from outside withdraws the request
        CompletableFuture<?> f = lock.acquire(type);
        @SuppressWarnings("unchecked")
        CompletableFuture<Object> token = (CompletableFuture<Object>) f;
        return token;
    }

    @Override
    public boolean release(Object token) {
        return lock.release((Handle) token);
    }

    @Override
    public boolean downgrade(Object token) {
        return ((Handle) token).downgrade();
    }

    @Override
    public MultiLockType locked() {
        return lock.locked();
    }

    @Override
    public int queueLength() {
        return lock.queueLength();
    }

    @Override
    public Object watch(MultiLockType type) {
        return lock.watch(type);
    }

    @Override
    public boolean isSet(Object watch) {
        return ((Watch) watch).isSet();
    }

    @Override
    public void clear(Object watch) {
        ((Watch) watch).clear();
    }

    @Override
    public void close(Object watch) {
        ((Watch) watch).close();
    }

    @Override
    public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
        return lock.whenAcquirable(type);
    }

    @Override
    public Object lock(MultiLockType type) {
        return lock.lock(type);
    }

    @Override
    public Object lockInterruptibly(MultiLockType type) throws InterruptedException {
        return lock.lockInterruptibly(type);
    }

    @Override
    public Object tryLock(MultiLockType type, Duration timeout) throws InterruptedException {
        return lock.tryLock(type, timeout).orElse(null);
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
