package dev.multilock.spi;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.time.Duration;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ReadWriteLock} view of a {@link MultiLock} ({@link MultiLock#asReadWriteLock()}):
 * {@code readLock()} takes the lock SHARED and {@code writeLock()} EXCLUSIVE, through the lock's
 * own {@code lock}, {@code lockInterruptibly}, {@code tryAcquire} and {@code tryLock}. Each of the
 * two keeps the handles taken through it, and {@code unlock()} releases one of them.
 *
 * <p>Holds are kept in one atomic slot (the common case of one hold at a time allocates nothing
 * for it) and, beyond it, in a lock-free deque, so the view adds no lock of its own.
 *
 * @since 0.1.0
 */
public final class ReadWriteView implements ReadWriteLock {

    private final HoldLock read;
    private final HoldLock write;

    /**
     * Creates the view of {@code lock}; each lock creates its own once.
     *
     * @param lock the lock to view
     */
    public ReadWriteView(MultiLock lock) {
        Objects.requireNonNull(lock, "lock");
        this.read = new HoldLock(lock, MultiLockType.SHARED);
        this.write = new HoldLock(lock, MultiLockType.EXCLUSIVE);
    }

    @Override
    public Lock readLock() {
        return read;
    }

    @Override
    public Lock writeLock() {
        return write;
    }

    @Override
    public String toString() {
        return "ReadWriteView[read holds=" + read.holds() + ", write holds=" + write.holds()
                + "] of " + read.lock;
    }

    /** One side of the view: a {@link Lock} over one mode, with the holds taken through it. */
    private static final class HoldLock implements Lock {
        final MultiLock lock;
        private final MultiLockType type;
        /** A hold taken through this Lock and not yet unlocked, or null. */
        private final AtomicReference<@Nullable Handle> slot = new AtomicReference<>();
        /** The other holds taken through this Lock and not yet unlocked; newest last. */
        private final Deque<Handle> more = new ConcurrentLinkedDeque<>();

        HoldLock(MultiLock lock, MultiLockType type) {
            this.lock = lock;
            this.type = type;
        }

        @Override
        public void lock() {
            keep(lock.lock(type));
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            keep(lock.lockInterruptibly(type));
        }

        /** Succeeds only if nobody waits and the holders admit the mode: no barging. */
        @Override
        public boolean tryLock() {
            return keep(lock.tryAcquire(type));
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Objects.requireNonNull(unit, "unit");
            return keep(lock.tryLock(type, Duration.ofNanos(unit.toNanos(time))));
        }

        private boolean keep(Optional<Handle> h) {
            h.ifPresent(this::keep);
            return h.isPresent();
        }

        private void keep(Handle h) {
            if (!slot.compareAndSet(null, h)) {
                more.addLast(h);
            }
        }

        int holds() {
            return (slot.get() != null ? 1 : 0) + more.size();
        }

        /**
         * Releases one hold taken through this {@code Lock}, from any thread.
         *
         * @throws IllegalMonitorStateException if none is held; nothing changes then
         */
        @Override
        public void unlock() {
            Handle h = slot.getAndSet(null);
            if (h == null) {
                h = more.pollLast();
            }
            if (h == null) {
                throw new IllegalMonitorStateException("no " + type + " hold taken through this"
                        + " view of " + lock + " is left to unlock");
            }
            h.release();
        }

        /**
         * Not supported: a multilock has no owner thread to wait and reacquire with.
         *
         * @throws UnsupportedOperationException always
         */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("a MultiLock has no conditions");
        }

        @Override
        public String toString() {
            return (type == MultiLockType.SHARED ? "read" : "write") + " lock (holds=" + holds()
                    + ") of " + lock;
        }
    }
}
