/**
 * The lock-free implementation of multilock.
 *
 * <p>Applications require this module and then name only the types of {@code dev.multilock},
 * which it requires transitively: {@code MultiLock.create()} finds the implementation here through
 * the service loader. The module exports nothing of its own.
 *
 * @provides dev.multilock.spi.MultiLockProvider
 * @since 0.1.0
 */
module dev.multilock.lockfree {
    requires transitive dev.multilock;

    provides dev.multilock.spi.MultiLockProvider
            with dev.multilock.lockfree.LockFreeMultiLockProvider;
}
