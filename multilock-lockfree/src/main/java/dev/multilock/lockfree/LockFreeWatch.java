package dev.multilock.lockfree;

import dev.multilock.MultiLockType;
import dev.multilock.spi.AbstractWatch;

/**
 * The {@link dev.multilock.Watch} of a {@link LockFreeMultiLock}: registered with the lock until
 * closed; the lock raises its flag after every change that leaves the mode acquirable, and the
 * pending {@code awaitSet()} futures are completed on the signalling thread's {@link Trampoline}.
 */
final class LockFreeWatch extends AbstractWatch implements Watcher, Delivery {

    private final LockFreeMultiLock lock;

    LockFreeWatch(LockFreeMultiLock lock, MultiLockType type) {
        super(type);
        this.lock = lock;
    }

    @Override
    public void signal(Trampoline t) {
        if (raise()) {
            t.add(this);
        }
    }

    /** Sets the flag of a new watch whose mode is acquirable; it has no awaiters yet. */
    void raiseAtCreation() {
        raise();
    }

    @Override
    public void deliver() {
        completeAwaiters();
    }

    @Override
    protected void onClose() {
        lock.unregister(this);
    }

    @Override
    public String toString() {
        return "Watch[" + type() + (isSet() ? ", set" : ", clear") + "] of " + lock;
    }
}
