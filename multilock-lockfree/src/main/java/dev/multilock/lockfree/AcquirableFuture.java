package dev.multilock.lockfree;

import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;

/**
 * The future of {@link LockFreeMultiLock#whenAcquirable}: registered with the lock until the mode
 * is acquirable, then unregistered and completed, once. Completed from outside (cancel, timeout),
 * it unregisters itself.
 */
final class AcquirableFuture extends CompletableFuture<Void> implements Watcher, Delivery {

    private final LockFreeMultiLock lock;
    private final MultiLockType type;

    AcquirableFuture(LockFreeMultiLock lock, MultiLockType type) {
        this.lock = lock;
        this.type = type;
    }

    @Override
    public MultiLockType type() {
        return type;
    }

    @Override
    public void signal(Trampoline t) {
        if (lock.unregister(this)) { // only the signal that unregisters it completes it
            t.add(this);
        }
    }

    @Override
    public void deliver() {
        super.complete(null);
    }
}
