package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier;
import org.jetbrains.lincheck.datastructures.verifier.LinearizabilityVerifier;
import org.jetbrains.lincheck.datastructures.verifier.QuiescentConsistencyVerifier;
import org.jetbrains.lincheck.datastructures.verifier.QuiescentConsistent;
import org.jetbrains.lincheck.datastructures.verifier.Verifier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Where the lock stops being linearizable, pinned down as the minimal scenarios Lincheck found,
 * so that the limits documented in LockFreeMultiLock's implementation notes stay true: each test
 * runs one fixed scenario under the model checker and asserts that Lincheck rejects its results
 * against {@link SequentialLock}, and that, with results not checked ({@link EpsilonVerifier}),
 * every interleaving of it keeps the contract: no exception, no hang, nothing leaked
 * ({@link LockSlots#checkNothingLeaks()}). None of these is a bug: API.md promises no grant
 * before the enabling call returns when another thread owns the queue, and calls
 * {@code queueLength()} an estimate while calls race.
 *
 * <p>The operations are those of {@link WaitingLockOperations} without its one-mutator
 * restriction, plus {@code acquireAndCancel}; {@code locked} and {@code queueLength} are marked
 * {@link QuiescentConsistent} for the test that tries Lincheck's weaker verifier (the
 * linearizability verifier ignores the mark). No random scenarios run here.
 */
@Tag("lincheck")
@Param(name = "thread", gen = ThreadIdGen.class)
public final class MultiLockLimitsLincheckTest {

    private final LockSlots slots = new LockSlots(new RealLock(MultiLock.create()));

    public MultiLockLimitsLincheckTest() {}

    // ---- operations ----

    @Operation
    public void acquire(MultiLockType type, @Param(name = "thread") int thread) {
        slots.acquire(type, thread);
    }

    @Operation
    public boolean cancel(@Param(name = "thread") int thread) {
        return slots.cancel(thread);
    }

    @Operation
    public boolean release(@Param(name = "thread") int thread) {
        return slots.release(thread);
    }

    @Operation
    public boolean tryAcquire(MultiLockType type, @Param(name = "thread") int thread) {
        return slots.tryAcquire(type, thread);
    }

    @Operation
    @QuiescentConsistent
    public MultiLockType locked() {
        return slots.locked();
    }

    @Operation
    @QuiescentConsistent
    public int queueLength() {
        return slots.queueLength();
    }

    /** An acquire whose request is cancelled at once if it had to wait: one operation. */
    @Operation
    public boolean acquireAndCancel(MultiLockType type, @Param(name = "thread") int thread) {
        slots.acquire(type, thread);
        return slots.cancel(thread);
    }

    // ---- end of operations ----

    @Validate
    public void nothingLeaks() {
        slots.checkNothingLeaks();
    }

    /**
     * A release racing with an enqueue. The request of thread 1 is counted (its WAITER_UNIT CAS)
     * but not yet pushed when thread 3 releases: the release finds no node to grant and returns,
     * and thread 1 then grants itself. In between, thread 2 sees the released lock with one
     * waiter, a state no order of the three calls passes through.
     *
     * <pre>
     * init:     tryAcquire(EXCLUSIVE, 3): true
     * thread 1: acquire(EXCLUSIVE, 1)
     * thread 2: queueLength(): 1            (after release(3) returned)
     * thread 3: release(3): true
     * </pre>
     */
    @Test
    void modelCheckingTest_releaseRacingEnqueue_notLinearizable() {
        assertLimit(LinearizabilityVerifier.class, scenario(
                List.of(actor("tryAcquire", EXCLUSIVE, 3)),
                List.of(List.of(actor("acquire", EXCLUSIVE, 1)),
                        List.of(actor("queueLength")),
                        List.of(actor("release", 3)))));
    }

    /**
     * A release racing with another thread's grant pass. Thread 1 withdraws its request and so
     * owns the queue; thread 3's release finds the queue owned, applies itself, leaves the grant
     * of thread 2's SHARED request (now admitted) to thread 1, and returns. Before thread 1 looks
     * again, thread 2 cancels its request, still waiting, and the cancel succeeds, although the
     * release that admitted it has returned: sequentially, that release grants it and the cancel
     * fails.
     *
     * <pre>
     * init:     tryAcquire(EXCLUSIVE, 3): true; acquire(EXCLUSIVE, 1); acquire(SHARED, 2)
     * thread 1: cancel(1): true
     * thread 2: cancel(2): true             (after release(3) returned)
     * thread 3: release(3): true
     * </pre>
     */
    @Test
    void modelCheckingTest_releaseRacingGrantPass_notLinearizable() {
        assertLimit(LinearizabilityVerifier.class, scenario(
                List.of(actor("tryAcquire", EXCLUSIVE, 3),
                        actor("acquire", EXCLUSIVE, 1),
                        actor("acquire", SHARED, 2)),
                List.of(List.of(actor("cancel", 1)),
                        List.of(actor("cancel", 2)),
                        List.of(actor("release", 3)))));
    }

    /**
     * Lincheck's weaker verifier does not help: {@link QuiescentConsistencyVerifier} frees the
     * {@link QuiescentConsistent} observers from real-time order, but thread 2 sees NONE and one
     * waiter in the window of the first test, and no order of the calls yields both: while the
     * request waits the lock is held, and once it is free the request is granted.
     *
     * <pre>
     * init:     tryAcquire(EXCLUSIVE, 3): true
     * thread 1: acquire(EXCLUSIVE, 1)
     * thread 2: locked(): NONE; queueLength(): 1
     * thread 3: release(3): true
     * </pre>
     */
    @Test
    void modelCheckingTest_quiescentConsistency_releaseRacingEnqueue_rejected() {
        assertLimit(QuiescentConsistencyVerifier.class, scenario(
                List.of(actor("tryAcquire", EXCLUSIVE, 3)),
                List.of(List.of(actor("acquire", EXCLUSIVE, 1)),
                        List.of(actor("locked"), actor("queueLength")),
                        List.of(actor("release", 3)))));
    }

    /**
     * Acquire-and-cancel as one operation: its request waits for a moment, and FIFO makes a
     * concurrent {@code tryAcquire(SHARED)} fail behind it, though the SHARED holder alone admits
     * it and, sequentially, the acquire-and-cancel either holds EXCLUSIVE or leaves no trace.
     *
     * <pre>
     * init:     tryAcquire(SHARED, 3): true
     * thread 1: acquireAndCancel(EXCLUSIVE, 1): true
     * thread 2: tryAcquire(SHARED, 2): false
     * </pre>
     */
    @Test
    void modelCheckingTest_acquireAndCancel_notLinearizable() {
        assertLimit(LinearizabilityVerifier.class, scenario(
                List.of(actor("tryAcquire", SHARED, 3)),
                List.of(List.of(actor("acquireAndCancel", EXCLUSIVE, 1)),
                        List.of(actor("tryAcquire", SHARED, 2)))));
    }

    // ---- scenarios ----

    private static Actor actor(String name, Object... args) {
        for (Method m : MultiLockLimitsLincheckTest.class.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args));
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length);
    }

    private static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> threads) {
        return new ExecutionScenario(init, threads, List.of(), actor("nothingLeaks"));
    }

    /** Interleavings the model checker explores of one fixed scenario, at most. */
    private static final int INVOCATIONS = 300;

    private static ModelCheckingOptions options(
            Class<? extends Verifier> verifier, ExecutionScenario scenario) {
        return new ModelCheckingOptions()
                .iterations(0) // the fixed scenario only
                .invocationsPerIteration(INVOCATIONS * LincheckConfig.scale())
                .addCustomScenario(scenario)
                .sequentialSpecification(SequentialLock.class)
                .verifier(verifier)
                .minimizeFailedScenario(false);
    }

    /**
     * Asserts that {@code verifier} rejects the results of {@code scenario}, and that with
     * results unchecked every interleaving the model checker explores keeps the contract.
     */
    private static void assertLimit(
            Class<? extends Verifier> verifier, ExecutionScenario scenario) {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class,
                () -> options(verifier, scenario).check(MultiLockLimitsLincheckTest.class),
                () -> verifier.getSimpleName() + " accepts the scenario; update the notes:\n"
                        + scenario);
        assertTrue(e.getMessage().contains("= Invalid execution results ="), e.getMessage());
        options(EpsilonVerifier.class, scenario).check(MultiLockLimitsLincheckTest.class);
    }
}
