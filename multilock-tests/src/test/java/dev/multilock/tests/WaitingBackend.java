package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;

/**
 * The locks that the suites of waiting on a thread (API.md, W1 to W4: {@link BlockingLockTest},
 * {@link ReadWriteViewTest}) run on, so that one test states a rule once for all of them: the
 * lock-free lock, which queues the waiting thread itself; the lock of one key of a keyed family,
 * which pins the key's state while the thread waits; and a set of two locks, which waits on its
 * acquisition future (the defaults of {@code MultiLock}).
 */
enum WaitingBackend {
    LOCK_FREE {
        @Override
        Subject create() {
            MultiLock lock = MultiLock.create();
            return new Subject(this, lock, () -> Quiescence.assertAtRest(lock));
        }
    },
    /** The lock of key k1 of a fresh family; at rest the family keeps no state (K2). */
    KEYED {
        @Override
        Subject create() {
            KeyedMultiLock<TestKey> family = KeyedMultiLock.create();
            MultiLock lock = family.get(TestKey.of(1));
            return new Subject(this, lock, () -> {
                Quiescence.assertAtRest(family.get(TestKey.of(1)));
                assertEquals(0, family.size(), () -> "K2 (state only while in use): size() at"
                        + " rest: " + family);
            });
        }
    },
    /** {@code MultiLockSet.of(b, a)}; at rest the set and each leaf are. */
    SET {
        @Override
        Subject create() {
            MultiLock a = MultiLock.create();
            MultiLock b = MultiLock.create();
            MultiLock set = MultiLockSet.of(b, a);
            return new Subject(this, set, () -> {
                Quiescence.assertAtRest(set);
                Quiescence.assertAtRest(a);
                Quiescence.assertAtRest(b);
            });
        }
    };

    /** A fresh lock of this backend. */
    abstract Subject create();

    /** A lock to test, and the check that it has come to rest (rule 3: nothing leaks). */
    static final class Subject {
        final WaitingBackend backend;
        final MultiLock lock;
        private final Runnable atRest;

        Subject(WaitingBackend backend, MultiLock lock, Runnable atRest) {
            this.backend = backend;
            this.lock = lock;
            this.atRest = atRest;
        }

        /**
         * Asserts that the lock is NONE with an empty queue and a {@code tryAcquire(EXCLUSIVE)}
         * succeeds (then released), and for a keyed lock that the family keeps no state.
         */
        void assertAtRest() {
            atRest.run();
        }

        @Override
        public String toString() {
            return backend + " " + lock;
        }
    }
}
