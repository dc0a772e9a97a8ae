package dev.multilock.tests;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link StressDriver} needs of a lock, over a grant type of the lock's own: so that the
 * driver runs the real {@link MultiLock} ({@link #of}) and, in the test of the test, a fake with
 * a planted bug ({@link PlantedBugLock}), whose fake grants could not be {@link Handle}s; and,
 * through {@link #ofTested}, the lock of one key of a keyed family (see {@link StressFamily}).
 *
 * @param <G> the type of a grant: {@code Handle} for the real lock
 */
interface StressLock<G> {

    /** As {@link MultiLock#acquire(MultiLockType)}. */
    CompletableFuture<? extends G> acquire(MultiLockType type);

    /** As {@link MultiLock#tryAcquire(MultiLockType)}. */
    Optional<? extends G> tryAcquire(MultiLockType type);

    /** As {@link MultiLock#release(Handle)}. */
    boolean release(G grant);

    /** As {@link MultiLock#locked()}. */
    MultiLockType locked();

    /** As {@link MultiLock#queueLength()}. */
    int queueLength();

    /** As {@link MultiLock#watch(MultiLockType)}; the watch is opaque to the driver. */
    Object watch(MultiLockType type);

    /** As {@link Watch#close()} of a watch that {@link #watch} returned. */
    void close(Object watch);

    /** As {@link MultiLock#whenAcquirable(MultiLockType)}. */
    CompletableFuture<Void> whenAcquirable(MultiLockType type);

    /** The real lock's {@code toString()}, for failure messages. */
    String describe();

    /** Drives {@code lock} itself. */
    static StressLock<Handle> of(MultiLock lock) {
        return new StressLock<>() {
            @Override
            public CompletableFuture<Handle> acquire(MultiLockType type) {
                return lock.acquire(type);
            }

            @Override
            public Optional<Handle> tryAcquire(MultiLockType type) {
                return lock.tryAcquire(type);
            }

            @Override
            public boolean release(Handle grant) {
                return lock.release(grant);
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
            public Watch watch(MultiLockType type) {
                return lock.watch(type);
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
            public String describe() {
                return lock.toString();
            }
        };
    }

    /**
     * Drives a {@link TestedLock}: the lock of one key of a {@link TestedKeyedLock}, real or with
     * a planted bug, whose grants are opaque tokens. A refused {@code tryAcquire} (a null token)
     * becomes an empty {@code Optional}.
     */
    static StressLock<Object> ofTested(TestedLock lock) {
        return new StressLock<>() {
            @Override
            public CompletableFuture<Object> acquire(MultiLockType type) {
                return lock.acquire(type);
            }

            @Override
            public Optional<Object> tryAcquire(MultiLockType type) {
                return Optional.ofNullable(lock.tryAcquire(type));
            }

            @Override
            public boolean release(Object grant) {
                return lock.release(grant);
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
            public void close(Object watch) {
                lock.close(watch);
            }

            @Override
            public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
                return lock.whenAcquirable(type);
            }

            @Override
            public String describe() {
                return lock.toString();
            }
        };
    }
}
