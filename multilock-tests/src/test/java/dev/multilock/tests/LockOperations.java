package dev.multilock.tests;

import dev.multilock.MultiLockType;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * The Lincheck operations that never make a request wait, over the slots of {@link LockSlots}:
 * {@code tryAcquire}, {@code release}, {@code downgrade}, {@code locked} and
 * {@code queueLength}, any of them in any thread. Their sequential specification is
 * {@link SequentialLock}. While no request waits, every state change of the lock is one CAS (or,
 * in {@link BrokenLock}, one monitor section), so these must be linearizable.
 *
 * <p>Subclasses name the lock in a public no-argument constructor, which Lincheck calls once per
 * invocation. Lincheck also needs this class, its constructor and its operations public: it
 * calls them from generated classes in another module.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
public abstract class LockOperations {

    final LockSlots slots;

    protected LockOperations(TestedLock lock) {
        this.slots = new LockSlots(lock);
    }

    // ---- operations ----

    @Operation
    public boolean tryAcquire(MultiLockType type, @Param(name = "thread") int thread) {
        return slots.tryAcquire(type, thread);
    }

    @Operation
    public boolean release(@Param(name = "thread") int thread) {
        return slots.release(thread);
    }

    @Operation
    public boolean downgrade(@Param(name = "thread") int thread) {
        return slots.downgrade(thread);
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
