package dev.multilock.benchmarks;

/**
 * The families of per-key locks that {@link KeyedBenchmark} puts side by side; the value of its
 * {@code contender} parameter. Each also names the plain lock its keys are made of, for the
 * benchmark's reference rows (one long-lived lock, no key).
 */
public enum KeyedContender {
    /** multilock: {@code KeyedMultiLock.create()}, one lock-free lock per key in use. */
    MULTILOCK {
        @Override
        KeyedLockAdapter create() {
            return new KeyedMultiLockAdapter();
        }

        @Override
        Contender plain() {
            return Contender.MULTILOCK;
        }
    },
    /** IBM async-util's {@code FairAsyncNamedReadWriteLock} ({@code com.ibm.async:asyncutil}). */
    ASYNCUTIL {
        @Override
        KeyedLockAdapter create() {
            return new AsyncUtilNamedAdapter();
        }

        @Override
        Contender plain() {
            return Contender.ASYNCUTIL;
        }
    },
    /**
     * Guava's {@code Striped.lazyWeakReadWriteLock(512)}: blocking, a bounded number of
     * non-fair {@code ReentrantReadWriteLock}s shared by the keys of each stripe.
     */
    GUAVA_STRIPED {
        @Override
        KeyedLockAdapter create() {
            return new GuavaStripedAdapter();
        }

        @Override
        Contender plain() {
            return Contender.RRWL_NONFAIR;
        }
    },
    /**
     * The keyed lock a user would write by hand: {@link RefCountedReadWriteLocks}, a
     * reference-counted {@code ConcurrentHashMap.compute} map of non-fair
     * {@code ReentrantReadWriteLock}s. Blocking.
     */
    REFCOUNT_RRWL {
        @Override
        KeyedLockAdapter create() {
            return new RefCountedAdapter();
        }

        @Override
        Contender plain() {
            return Contender.RRWL_NONFAIR;
        }
    };

    /**
     * Creates a new family, with no key in use, behind its adapter.
     *
     * @return the adapter of a fresh family
     */
    abstract KeyedLockAdapter create();

    /**
     * Names the plain lock one key of this family is: multilock's {@code MultiLock}, async-util's
     * {@code FairAsyncReadWriteLock}, and the non-fair {@code ReentrantReadWriteLock} that both
     * Guava's stripes and the hand-written map hold.
     *
     * @return the contender of {@link UncontendedBenchmark} whose lock that is
     */
    abstract Contender plain();
}
