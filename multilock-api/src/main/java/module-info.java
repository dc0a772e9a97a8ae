/**
 * The multilock contract: an asynchronous shared/exclusive lock.
 *
 * <p>This module holds only types: {@link dev.multilock.MultiLock}, {@link dev.multilock.Handle},
 * {@link dev.multilock.MultiLockType} and the service interface through which
 * {@link dev.multilock.MultiLock#create()} finds an implementation. Applications require the
 * implementation module, {@code dev.multilock.lockfree}, which requires this one transitively, and
 * then name only types of the package {@code dev.multilock}.
 *
 * <p>The package {@code dev.multilock.spi} is exported only to the implementation module, so that
 * no other module can implement {@code MultiLock} or {@code Handle}, or forge a handle.
 *
 * @uses dev.multilock.spi.MultiLockProvider
 * @since 0.1.0
 */
// The qualified export names a module that is compiled after this one; javac's "module not found"
// warning for it is expected, and only that lint is silenced here.
@SuppressWarnings("module")
module dev.multilock {
    exports dev.multilock;
    exports dev.multilock.spi to dev.multilock.lockfree;

    uses dev.multilock.spi.MultiLockProvider;
}
