package dev.multilock.lockfree;

import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.spi.MultiLockProvider;

/**
 * Provides {@link LockFreeMultiLock} to {@link MultiLock#create()} and
 * {@link LockFreeKeyedMultiLock} to {@link KeyedMultiLock#create()}. Public only because the
 * service loader instantiates it; its package is not exported.
 */
public final class LockFreeMultiLockProvider implements MultiLockProvider {

    /** Creates the provider; called by the service loader. */
    public LockFreeMultiLockProvider() {}

    @Override
    public MultiLock create() {
        return new LockFreeMultiLock();
    }

    @Override
    public <K> KeyedMultiLock<K> createKeyed() {
        return new LockFreeKeyedMultiLock<>();
    }
}
