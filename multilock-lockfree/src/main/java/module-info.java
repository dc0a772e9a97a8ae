import org.jspecify.annotations.NullMarked;

/**
 * The lock-free implementation of multilock: the module an application requires to use it.
 *
 * <p>It requires {@code dev.multilock} transitively, so an application that requires this module
 * reads the API and names only its types; {@link dev.multilock.MultiLock#create()} then finds
 * the implementation here through the service loader. The module exports nothing of its own:
 * its lock keeps its state in one word changed only by compare-and-set, queues its waiters on a
 * lock-free stack, and never blocks a thread.
 *
 * <pre>{@code
 * module my.app {
 *     requires dev.multilock.lockfree;
 * }
 * }</pre>
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
    requires static jdk.jfr; // the dev.multilock.Wait event, when the runtime has JFR

    provides dev.multilock.spi.MultiLockProvider
            with dev.multilock.lockfree.LockFreeMultiLockProvider;
}
