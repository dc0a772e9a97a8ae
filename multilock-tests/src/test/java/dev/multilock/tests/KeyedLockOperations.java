package dev.multilock.tests;

import dev.multilock.MultiLockType;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * The Lincheck operations over a keyed family ({@link KeyedSlots}: keys k1 and k2, unequal with
 * equal hash codes), each naming its key: the shape of {@link WaitingLockOperations}, in which
 * the single lock is linearizable, applied to every key at once, plus watches.
 *
 * <ul>
 *   <li>One thread enqueues and enables: {@code acquire}, {@code cancel}, {@code isGranted} and
 *       {@code release}, of any key, form one non-parallel group, which Lincheck puts in one
 *       thread of the parallel part (and in the init and post parts).
 *   <li>Any thread: {@code tryAcquire}, {@code watch}, {@code close}, {@code locked} and
 *       {@code queueLength}. None of them lets a waiter in (a watch only reports), so the known
 *       races of the single lock with waiters (see {@link MultiLockLimitsLincheckTest}) cannot
 *       happen; handles that other threads take with {@code tryAcquire} stay held until the
 *       validation at the end.
 * </ul>
 *
 * <p>What this shape adds over the single lock is every use of a key's state that starts or ends
 * in another thread than the one that enables: the first {@code tryAcquire} or {@code watch} of an
 * idle key creates its state, and the last {@code release} (of the enabling thread) or
 * {@code close} (of any thread) drops it, so the drop races a new use of the same key, and two
 * first uses race each other (K3). {@code cancel} gives back a use too, but in this shape it is
 * never the last one: a request waits only while its key is held, and only the enabling thread,
 * which is the one that cancels, releases holds before the validation.
 *
 * <p>Left out, and why: {@code downgrade} (it changes no use; the single-lock suites cover it);
 * a watch's flag ({@code isSet}): the thread that makes a mode acquirable raises the flags by a
 * read of the lock after its change, so another thread's {@code tryAcquire} in between leaves
 * the flag down, although in every order of the calls the release raised it. Lincheck rejects
 * this already for the single lock, in the one-enabler shape: after {@code tryAcquire(EXCLUSIVE)}
 * and {@code watch(EXCLUSIVE)} in thread 1, thread 1 runs {@code release(): true} then
 * {@code isSet(): false} while thread 2 runs {@code tryAcquire(SHARED): true}. So
 * {@link LockSlots#checkNothingLeaks()} checks the flags at quiescence instead.
 * {@code whenAcquirable}, signalled the same way. And {@code size()}, exact only at quiescence
 * (a dead state stays in the table until its killer removes it, and the table's count lags its
 * insertions), which the validation checks.
 *
 * <p>Subclasses name the family in a public no-argument constructor, which Lincheck calls once
 * per invocation; public, like its operations, for Lincheck's generated classes.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "key", gen = IntGen.class, conf = KeyedSlots.KEY_RANGE)
public abstract class KeyedLockOperations {

    /** The operations that enqueue or may let waiters in: Lincheck runs them in one thread. */
    static final String MUTATOR = "mutator";

    final KeyedSlots slots;

    protected KeyedLockOperations(TestedKeyedLock family) {
        this.slots = new KeyedSlots(family);
    }

    // ---- operations ----

    @Operation(nonParallelGroup = MUTATOR)
    public void acquire(
            MultiLockType type, @Param(name = "key") int key, @Param(name = "thread") int thread) {
        slots.of(key).acquire(type, thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean cancel(@Param(name = "key") int key, @Param(name = "thread") int thread) {
        return slots.of(key).cancel(thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean isGranted(@Param(name = "key") int key, @Param(name = "thread") int thread) {
        return slots.of(key).isGranted(thread);
    }

    @Operation(nonParallelGroup = MUTATOR)
    public boolean release(@Param(name = "key") int key, @Param(name = "thread") int thread) {
        return slots.of(key).release(thread);
    }

    @Operation
    public boolean tryAcquire(
            MultiLockType type, @Param(name = "key") int key, @Param(name = "thread") int thread) {
        return slots.of(key).tryAcquire(type, thread);
    }

    @Operation
    public void watch(
            MultiLockType type, @Param(name = "key") int key, @Param(name = "thread") int thread) {
        slots.of(key).watch(type, thread);
    }

    @Operation
    public boolean close(@Param(name = "key") int key, @Param(name = "thread") int thread) {
        return slots.of(key).close(thread);
    }

    @Operation
    public MultiLockType locked(@Param(name = "key") int key) {
        return slots.of(key).locked();
    }

    @Operation
    public int queueLength(@Param(name = "key") int key) {
        return slots.of(key).queueLength();
    }

    // ---- end of operations ----

    /** See {@link KeyedSlots#checkNothingLeaks()}. */
    @Validate
    public void nothingLeaks() {
        slots.checkNothingLeaks();
    }

    @Override
    public String toString() {
        return slots.toString();
    }
}
