package dev.multilock.tests;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock with a planted bug, for the test of the test: it passes every request to a real
 * {@link MultiLock}, except those its {@link Bug} picks, which it grants at once with a fake grant
 * that holds nothing. {@link StressDriver} must catch it.
 */
final class PlantedBugLock implements StressLock<Object> {

    /** Which requests get a fake grant. */
    enum Bug {
        /** Every {@value #EVERY}-th EXCLUSIVE request, whoever holds the lock. */
        EXCLUSIVE_IGNORES_HOLDERS,
        /** Every NONE request, even while an EXCLUSIVE holder is inside. */
        NONE_IGNORES_EXCLUSIVE;

        static final int EVERY = 8;
    }

    private final MultiLock lock;
    private final Bug bug;
    private final AtomicLong requests = new AtomicLong();

    PlantedBugLock(MultiLock lock, Bug bug) {
        this.lock = lock;
        this.bug = bug;
    }

    /** A grant that holds nothing; released once, like a handle. */
    private static final class FakeGrant {
        final AtomicBoolean released = new AtomicBoolean();

        @Override
        public String toString() {
            return "FakeGrant[" + (released.get() ? "released" : "held") + "]";
        }
    }

    private boolean fake(MultiLockType type) {
        switch (bug) {
            case EXCLUSIVE_IGNORES_HOLDERS:
                return type == MultiLockType.EXCLUSIVE
                        && requests.incrementAndGet() % Bug.EVERY == 0;
            default:
                return type == MultiLockType.NONE;
        }
    }

    @Override
    public CompletableFuture<?> acquire(MultiLockType type) {
        return fake(type) ? CompletableFuture.completedFuture(new FakeGrant()) : lock.acquire(type);
    }

    @Override
    public Optional<?> tryAcquire(MultiLockType type) {
        return fake(type) ? Optional.of(new FakeGrant()) : lock.tryAcquire(type);
    }

    @Override
    public boolean release(Object grant) {
        return grant instanceof FakeGrant
                ? ((FakeGrant) grant).released.compareAndSet(false, true)
                : lock.release((Handle) grant);
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
        return lock + " behind " + bug;
    }
}
