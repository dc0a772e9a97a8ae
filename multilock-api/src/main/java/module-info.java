import org.jspecify.annotations.NullMarked;

/**
 * The multilock contract: an asynchronous, fair shared/exclusive lock whose acquisitions are
 * {@link java.util.concurrent.CompletableFuture}s, so that no thread blocks waiting for it.
 *
 * <p>This module holds the types an application codes against, all in the package
 * {@link dev.multilock}: {@link dev.multilock.MultiLock}, {@link dev.multilock.Handle},
 * {@link dev.multilock.MultiLockType}, {@link dev.multilock.Watch},
 * {@link dev.multilock.MultiLockSet} and {@link dev.multilock.KeyedMultiLock}. It holds no lock
 * implementation:
 * {@link dev.multilock.MultiLock#create()} finds one through the service loader. Applications
 * therefore require the implementation module, {@code dev.multilock.lockfree}, which requires
 * this one transitively, and then name only types of {@code dev.multilock}:
 *
 * <pre>{@code
 * module my.app {
 *     requires dev.multilock.lockfree;
 * }
 * }</pre>
 *
 * <p>The package {@code dev.multilock.spi} is exported only to the implementation modules
 * ({@code dev.multilock.lockfree}, and {@code dev.multilock.postgres} for locks across
 * processes), so that no other module can implement {@code MultiLock} or {@code Handle}, or
 * forge a handle.
 *
 * <p>The module is {@code @NullMarked}: no parameter or return value is null unless its type
 * says {@code @Nullable}. The JSpecify annotations are needed to compile it, not to run it.
 *
 * @uses dev.multilock.spi.MultiLockProvider
 * @since 0.1.0
 */
// The qualified export names a module that is compiled after this one; javac's "module not found"
// warning for it is expected, and only that lint is silenced here.
@SuppressWarnings("module")
@NullMarked
module dev.multilock {
    requires static org.jspecify;

    exports dev.multilock;
    exports dev.multilock.spi to dev.multilock.lockfree, dev.multilock.postgres;

    uses dev.multilock.spi.MultiLockProvider;
}
