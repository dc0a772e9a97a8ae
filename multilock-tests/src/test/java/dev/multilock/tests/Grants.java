package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /**
     * Returns the handle of an acquisition once granted, waiting
     * {@link BlockedCall#TIMEOUT_SECONDS} at most; fails with {@code message} if it is not
     * granted by then, or failed.
     */
    static Handle grantedWithin(CompletableFuture<Handle> f, String message)
            throws InterruptedException {
        try {
            return f.get(BlockedCall.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new AssertionError(message, e);
        }
    }
}
