package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.Optional;

/** The end state every concurrency test checks: rule 3's "nothing leaks". */
final class Quiescence {

    private Quiescence() {}

    /**
     * Asserts that {@code lock}, with every future done and every handle released, is at rest:
     * NONE, an empty queue, and a {@code tryAcquire(EXCLUSIVE)} that succeeds (then released).
     */
    static void assertAtRest(MultiLock lock) {
        assertEquals(MultiLockType.NONE, lock.locked(), () -> "rule 3 (nothing leaks): locked()"
                + " at rest: " + lock);
        assertEquals(0, lock.queueLength(), () -> "rule 3 (nothing leaks): queueLength() at rest: "
                + lock);
        Optional<Handle> probe = lock.tryAcquire(MultiLockType.EXCLUSIVE);
        assertTrue(probe.isPresent(), () -> "rule 3: tryAcquire(EXCLUSIVE) failed at rest: "
                + lock);
        assertTrue(probe.get().release(), "rule 5: releasing the probe returned false");
    }
}
