package dev.multilock.benchmarks;

/**
 * The locks that every benchmark puts side by side; the value of each benchmark's
 * {@code contender} parameter.
 */
public enum Contender {
    /** multilock: {@code MultiLock.create()}, the lock-free implementation. */
    MULTILOCK {
        @Override
        LockAdapter create() {
            return new MultiLockAdapter();
        }
    },
    /** {@link java.util.concurrent.locks.ReentrantReadWriteLock}, non-fair (its default). */
    RRWL_NONFAIR {
        @Override
        LockAdapter create() {
            return new ReentrantReadWriteLockAdapter(false);
        }
    },
    /** {@link java.util.concurrent.locks.ReentrantReadWriteLock}, fair. */
    RRWL_FAIR {
        @Override
        LockAdapter create() {
            return new ReentrantReadWriteLockAdapter(true);
        }
    },
    /** {@link java.util.concurrent.locks.StampedLock}, through its read and write lock views. */
    STAMPED {
        @Override
        LockAdapter create() {
            return new StampedLockAdapter();
        }
    },
    /** IBM async-util's {@code FairAsyncReadWriteLock} ({@code com.ibm.async:asyncutil}). */
    ASYNCUTIL {
        @Override
        LockAdapter create() {
            return new AsyncUtilAdapter();
        }
    },
    /**
     * The baseline a user would write by hand: {@link HandWrittenAsyncReadWriteLock}, a
     * {@code synchronized} + {@code ArrayDeque} asynchronous read-write lock.
     */
    BASELINE {
        @Override
        LockAdapter create() {
            return new BaselineAdapter();
        }
    };

    /**
     * Creates a new, unlocked lock of this kind behind its adapter.
     *
     * @return the adapter of a fresh lock
     */
    abstract LockAdapter create();
}
