package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;

/** Assertion helpers shared by the unit tests: take a lock at once, or check a grant. */
final class Grants {

    private Grants() {}

    /** Acquires {@code type} without waiting, or fails the test. */
    static Handle take(MultiLock lock, MultiLockType type) {
        return lock.tryAcquire(type)
                .orElseThrow(() -> new AssertionError("tryAcquire(" + type + ") on " + lock));
    }

    /** Returns the handle of an acquisition that must already be granted, or fails the test. */
    static Handle granted(CompletableFuture<Handle> f) {
        assertTrue(f.isDone(), "the acquisition should have been granted: " + f);
        assertFalse(f.isCompletedExceptionally(), "the acquisition failed: " + f);
        return f.join();
    }
}
