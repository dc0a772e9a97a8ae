package dev.multilock.benchmarks;

/**
 * The locks that every benchmark puts side by side; the value of each benchmark's
 * {@code contender} parameter.
 */
public enum Contender {
    /**
     * multilock: {@code MultiLock.create()}, the lock-free implementation, through its
     * asynchronous API ({@code acquire(type)}, {@code .join()} where a scenario waits).
     */
    MULTILOCK {
        @Override
        LockAdapter create() {
            return new MultiLockAdapter();
        }
    },
    /**
     * The same lock waited for on the calling thread: {@code lock(type)}, then
     * {@code handle.release()}. In {@link ContentionBenchmark}, {@link UncontendedBenchmark} and
     * {@link VirtualThreadBenchmark} only.
     */
    MULTILOCK_LOCK {
        @Override
        LockAdapter create() {
            return new MultiLockBlockingAdapter();
        }
    },
    /**
     * The same lock through its {@code ReadWriteLock} view ({@code asReadWriteLock()}):
     * {@code readLock()}/{@code writeLock()}, {@code lock()}/{@code tryLock()}, {@code unlock()}.
     * In {@link ContentionBenchmark} and {@link UncontendedBenchmark} only.
     */
    MULTILOCK_RWVIEW {
        @Override
        LockAdapter create() {
            return new ReadWriteViewAdapter();
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
    },
    /**
     * Not a lock: {@link NoopAdapter} grants every request at once and excludes nobody, so a
     * scenario's score with it is the harness's own limit. In {@link AsyncThroughputBenchmark}
     * only (issue 12 part 2), and never in a test of exclusion.
     */
    NOOP {
        @Override
        LockAdapter create() {
            return new NoopAdapter();
        }
    };

    /**
     * Creates a new, unlocked lock of this kind behind its adapter.
     *
     * @return the adapter of a fresh lock
     */
    abstract LockAdapter create();
}
