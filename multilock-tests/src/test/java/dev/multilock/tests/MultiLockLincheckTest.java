package dev.multilock.tests;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the lock while no request waits, checked by Lincheck against the
 * sequential {@link SequentialLock}: {@code tryAcquire}, {@code release} (also of a handle
 * released already), {@code downgrade}, {@code locked()}, {@code queueLength()} and the release
 * of another lock's handle, in any thread (operations in {@link LockOperations} and below).
 * Exceptions are results: the foreign release must throw {@code IllegalArgumentException} as the
 * specification does, and any other exception fails the check.
 *
 * <p>Requests that wait are left out on purpose: with waiters the lock is linearizable only when
 * one thread enqueues and enables ({@link MultiLockWaitingLincheckTest}), and
 * {@link MultiLockLimitsLincheckTest} pins down where it stops being so. Without waiters every
 * change is one CAS on the state word (the linearization points of LockFreeMultiLock's notes), so
 * this suite must pass in full.
 *
 * <ul>
 *   <li>{@code modelCheckingTest()}: Lincheck's model checker, with the obstruction-freedom check
 *       on (the lock is lock-free; no operation may block, park or spin on another thread).
 *   <li>{@code stressTest()}: the same scenarios on real threads.
 * </ul>
 *
 * <p>Sizes and the {@code multilock.lincheck.scale} property are in {@link LincheckConfig}; after
 * each invocation the validation function checks that nothing leaked. The same checks reject
 * {@link BrokenLock} with a planted read-then-write race ({@link BrokenLockLincheckTest}).
 */
@Tag("lincheck")
public final class MultiLockLincheckTest extends LockOperations {

    /** A handle of another lock; releasing it here must fail and change nothing. */
    private static final Handle FOREIGN =
            MultiLock.create().tryAcquire(MultiLockType.SHARED).orElseThrow();

    public MultiLockLincheckTest() {
        super(new RealLock(MultiLock.create()));
    }

    // ---- operations ----

    @Operation
    public void releaseForeign() {
        slots.lock().release(FOREIGN);
    }

    // ---- end of operations ----

    @Test
    void modelCheckingTest() {
        LincheckConfig.modelChecking()
                .checkObstructionFreedom(true)
                .check(MultiLockLincheckTest.class);
    }

    @Test
    void stressTest() {
        LincheckConfig.stress().check(MultiLockLincheckTest.class);
    }
}
