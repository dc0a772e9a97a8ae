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
        this(lock, new Holds(), new Holds());
    }

    /**
     * Creates a view of {@code lock} whose holds are kept in the given stores (the lock of a key
     * keeps them with the key's state, shared by every lock of the key).
     *
     * @param lock the lock to view
     * @param read where the read side keeps its holds
     * @param write where the write side keeps its holds
     */
    public ReadWriteView(MultiLock lock, HoldStore read, HoldStore write) {
        Objects.requireNonNull(lock, "lock");
        this.read = new HoldLock(lock, MultiLockType.SHARED,
                Objects.requireNonNull(read, "read"));
        this.write = new HoldLock(lock, MultiLockType.EXCLUSIVE,
                Objects.requireNonNull(write, "write"));
    }

    /** Where one side of a view keeps the holds taken through it and not yet unlocked. */
    public interface HoldStore {

        /**
         * Keeps a hold.
         *
         * @param hold a handle just taken through the view
         */
        void keep(Handle hold);

        /**
         * Takes back one kept hold, any one.
         *
         * @return the hold, or null if none is kept
         */
        @Nullable Handle take();

        /**
         * Returns how many holds are kept, for {@code toString}.
         *
         * @return the number of kept holds; an estimate while calls race
         */
        int size();
    }

    /**
     * The usual store: one hold in an atomic slot (the common case of one hold at a time
     * allocates nothing for it), the others in a lock-free deque.
     */
    public static final class Holds implements HoldStore {
        private final AtomicReference<@Nullable Handle> slot = new AtomicReference<>();
        private final Deque<Handle> more = new ConcurrentLinkedDeque<>();

        /** Creates an empty store. */
        public Holds() {}

        @Override
        public void keep(Handle hold) {
            if (!slot.compareAndSet(null, hold)) {
                more.addLast(hold);
            }
        }

        @Override
        public @Nullable Handle take() {
            Handle h = slot.getAndSet(null);
            return h != null ? h : more.pollLast();
        }

        @Override
        public int size() {
            return (slot.get() != null ? 1 : 0) + more.size();
        }
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
        return "ReadWriteView[read holds=" + read.holds.size() + ", write holds="
                + write.holds.size() + "] of " + read.lock;
    }

    /** One side of the view: a {@link Lock} over one mode, with the holds taken through it. */
    private static final class HoldLock implements Lock {
        final MultiLock lock;
        private final MultiLockType type;
        /** The holds taken through this Lock and not yet unlocked. */
        final HoldStore holds;

        HoldLock(MultiLock lock, MultiLockType type, HoldStore holds) {
            this.lock = lock;
            this.type = type;
            this.holds = holds;
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
            holds.keep(h);
        }

        /**
         * Releases one hold taken through this {@code Lock}, from any thread.
         *
         * @throws IllegalMonitorStateException if none is held; nothing changes then
         */
        @Override
        public void unlock() {
            Handle h = holds.take();
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
            return (type == MultiLockType.SHARED ? "read" : "write") + " lock (holds="
                    + holds.size() + ") of " + lock;
        }
    }
}
