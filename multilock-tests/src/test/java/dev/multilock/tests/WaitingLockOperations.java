package dev.multilock.tests;

import dev.multilock.MultiLockType;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * The Lincheck operations with waiting requests, over the slots of {@link LockSlots}, in the
 * shape under which the lock is linearizable: one thread enqueues and enables, the others observe
 * and try.
 *
 * <p>The operations that enqueue or may let a waiter in ({@code acquire}, {@code cancel},
 * {@code release}, {@code downgrade}, and {@code isGranted}, which only the enqueuing thread can
 * use) form one non-parallel group, which Lincheck puts in one thread of the parallel part (and in
 * the init and post parts). {@code tryAcquire}, {@code locked} and {@code queueLength} run in any
 * thread. Handles that another thread takes with {@code tryAcquire} stay held until the
 * validation at the end.
 *
 * <p>Why the restriction: with waiters, two races let a call return before the grants it
 * enables are published, and an observer in between sees a state that no linearization
 * explains (see {@link MultiLockLimitsLincheckTest}): a release racing with an enqueue (the
 * request is counted but not yet on the stack, the release finds nothing to grant, the enqueuer
 * then grants itself), and a release, withdrawal or downgrade that finds another thread granting
 * (it leaves its grants to that thread). With one enqueuing and enabling thread neither race can
 * happen: every enabling call owns the queue and publishes its change together with the grants
 * it enables in one CAS, and completes the futures before it returns; {@code tryAcquire} of the
 * other threads only adds holders while nobody waits. So this shape must be linearizable.
 * Outside it, what the contract promises is safety (exclusion, FIFO, no lost waiter, no leak):
 * {@link MultiLockLimitsLincheckTest} checks that on every interleaving of its scenarios, and
 * the stress and property suites at large.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
public abstract class WaitingLockOperations {

    /** The operations that enqueue or may let waiters in: Lincheck runs them in one thread. */
    static final String MUTATOR = "mutator";

    final LockSlots slots;

    protected WaitingLockOperations(TestedLock lock) {
        this.slots = new LockSlots(lock);
    }

    // ---- operations ----

    @Operation(nonParallelGroup = MUTATOR)
    public void acquire(MultiLockType type, @Param(name = "thread") int thread) {
        slots.acquire(type, thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean cancel(@Param(name = "thread") int thread) {
        return slots.cancel(thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean isGranted(@Param(name = "thread") int thread) {
        return slots.isGranted(thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean release(@Param(name = "thread") int thread) {
        return slots.release(thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean downgrade(@Param(name = "thread") int thread) {
        return slots.downgrade(thread);
    }

    @Operation
    public boolean tryAcquire(MultiLockType type, @Param(name = "thread") int thread) {
        return slots.tryAcquire(type, thread);
    }

    @Operation
    public MultiLockType locked() {
        return slots.locked();
    }

    @Operation
    public int queueLength() {
        return slots.queueLength();
    }

    // ---- end of operations ----

    /** See {@link LockSlots#checkNothingLeaks()}. */
    @Validate
    public void nothingLeaks() {
        slots.checkNothingLeaks();
    }

    @Override
    public String toString() {
        return slots.toString();
    }
}
