import org.jspecify.annotations.NullMarked;

/**
 * The lock-free implementation of multilock.
 *
 * <p>Applications require this module and then name only the types of {@code dev.multilock},
 * which it requires transitively: {@code MultiLock.create()} finds the implementation here through
 * the service loader. The module exports nothing of its own.
 *
 * <p>The module is {@code @NullMarked}; the JSpecify annotations are needed to compile it, not
 * to run it.
 *
 * @provides dev.multilock.spi.MultiLockProvider
 * @since 0.1.0
 */
@NullMarked
module dev.multilock.lockfree {
    requires transitive dev.multilock;
    requires static org.jspecify;

    provides dev.multilock.spi.MultiLockProvider
            with dev.multilock.lockfree.LockFreeMultiLockProvider;
}
