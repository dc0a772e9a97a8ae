package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.MultiLockType;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The negative controls of the Lincheck suites: the operations, sequential specification and
 * options of {@link MultiLockLincheckTest} and {@link MultiLockWaitingLincheckTest}, run against
 * {@link BrokenLock}, so that the suites keep proving they can fail.
 *
 * <ul>
 *   <li>{@link BrokenLock.Bug#RACY_READ_THEN_WRITE} (a CAS replaced by a read-then-write): the
 *       no-waiting suite's own random runs reject it, under the model checker and the stress
 *       runner alike (usually through the leak check, which sees the lost update first), and so
 *       does the linearizability verifier alone, on a fixed scenario without the leak check.
 *   <li>{@link BrokenLock.Bug#BARGING} (tryAcquire ignores the queue) and
 *       {@link BrokenLock.Bug#LOST_WITHDRAWAL} (a withdrawn request keeps blocking the queue): the
 *       waiting suite's operations reject each on a fixed scenario (the lost withdrawal through
 *       the leak check, which sees a waiter that the holders admit, before the results). (Its
 *       random runs find them too, but only after tens of seconds, too long for CI.)
 *   <li>{@link BrokenLock.Bug#NONE}, a correct monitor lock: both suites accept it (the model
 *       checker on fewer and shorter runs: a monitor costs it more); and the obstruction-freedom
 *       check, which the real lock passes, rejects it, since it blocks inside.
 * </ul>
 *
 * <p>A rejected run stops at its first failure and is not minimized, so these tests are quick.
 * Lincheck needs the nested test classes public, with public constructors.
 */
@Tag("lincheck")
final class BrokenLockLincheckTest {

    /** The no-waiting operations over the lock with the read-then-write race. */
    public static final class RacyReadThenWrite extends LockOperations {
        public RacyReadThenWrite() {
            super(new BrokenLock(BrokenLock.Bug.RACY_READ_THEN_WRITE));
        }
    }

    /** The no-waiting operations over the correct monitor lock. */
    public static final class Correct extends LockOperations {
        public Correct() {
            super(new BrokenLock(BrokenLock.Bug.NONE));
        }
    }

    /**
     * Only {@code tryAcquire} and {@code locked} over the lock with the read-then-write race, and
     * no leak check: the linearizability verifier alone must reject it.
     */
    @Param(name = "thread", gen = ThreadIdGen.class)
    public static final class RacyTryAcquire {
        private final LockSlots slots =
                new LockSlots(new BrokenLock(BrokenLock.Bug.RACY_READ_THEN_WRITE));

        public RacyTryAcquire() {}

        @Operation
        public boolean tryAcquire(MultiLockType type, @Param(name = "thread") int thread) {
            return slots.tryAcquire(type, thread);
        }

        @Operation
        public MultiLockType locked() {
            return slots.locked();
        }
    }

    /** The waiting operations over the lock whose tryAcquire barges past waiters. */
    public static final class Barging extends WaitingLockOperations {
        public Barging() {
            super(new BrokenLock(BrokenLock.Bug.BARGING));
        }
    }

    /** The waiting operations over the lock that loses withdrawals. */
    public static final class LostWithdrawal extends WaitingLockOperations {
        public LostWithdrawal() {
            super(new BrokenLock(BrokenLock.Bug.LOST_WITHDRAWAL));
        }
    }

    /** The waiting operations over the correct monitor lock. */
    public static final class CorrectWaiting extends WaitingLockOperations {
        public CorrectWaiting() {
            super(new BrokenLock(BrokenLock.Bug.NONE));
        }
    }

    /** The monitor lock costs the model checker more: a twentieth of the scenarios, shorter. */
    private static ModelCheckingOptions correct(ModelCheckingOptions options) {
        return options
                .iterations(Math.max(1, LincheckConfig.modelCheckingIterations() / 20))
                .invocationsPerIteration(LincheckConfig.MODEL_CHECKING_INVOCATIONS / 4);
    }

    private static final String INVALID_RESULTS = "= Invalid execution results =";
    private static final String LEAK = "= Validation function nothingLeaks has failed =";
    private static final String BLOCKING =
            "= The algorithm should be non-blocking, but a lock is detected =";

    /** Asserts that {@code check} fails with one of {@code reports}; returns the report. */
    private static String assertRejected(Executable check, String... reports) {
        String message = assertThrows(LincheckAssertionError.class, check).getMessage();
        for (String report : reports) {
            if (message.contains(report)) {
                return message;
            }
        }
        throw new AssertionError("expected one of " + List.of(reports) + ":\n" + message);
    }

    private static <O extends Options<O, ?>> O rejecting(O options) {
        return options.minimizeFailedScenario(false);
    }

    private static Actor actor(Class<?> test, String name, Object... args) {
        for (Method m : test.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args));
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length);
    }

    /** Model checking of one fixed scenario only. */
    private static ModelCheckingOptions fixed(
            List<Actor> init, List<List<Actor>> threads, List<Actor> post) {
        return new ModelCheckingOptions()
                .iterations(0)
                .invocationsPerIteration(LincheckConfig.MODEL_CHECKING_INVOCATIONS)
                .addCustomScenario(new ExecutionScenario(init, threads, post, null))
                .sequentialSpecification(SequentialLock.class);
    }

    // ---- RACY_READ_THEN_WRITE ----

    @Test
    void modelCheckingTest_racyReadThenWrite_rejected() {
        assertRejected(() -> rejecting(LincheckConfig.modelChecking())
                .check(RacyReadThenWrite.class), INVALID_RESULTS, LEAK);
    }

    @Test
    void stressTest_racyReadThenWrite_rejected() {
        assertRejected(() -> rejecting(LincheckConfig.stress())
                .check(RacyReadThenWrite.class), INVALID_RESULTS, LEAK);
    }

    /**
     * The linearizability check alone, without the leak check that usually reports this bug
     * first: over {@link RacyTryAcquire}, {@code tryAcquire(EXCLUSIVE) || tryAcquire(SHARED)}
     * both succeed.
     */
    @Test
    void modelCheckingTest_racyReadThenWrite_resultsNotLinearizable() {
        Class<?> test = RacyTryAcquire.class;
        assertRejected(() -> rejecting(fixed(
                List.of(),
                List.of(List.of(actor(test, "tryAcquire", EXCLUSIVE, 1)),
                        List.of(actor(test, "tryAcquire", SHARED, 2))),
                List.of(actor(test, "locked"))))
                .check(test), INVALID_RESULTS);
    }

    // ---- BARGING and LOST_WITHDRAWAL ----

    /**
     * A SHARED holder, and thread 1's EXCLUSIVE request waits behind it; then thread 1's own
     * {@code tryAcquire(SHARED)} must fail (FIFO), but the barging lock grants it.
     */
    @Test
    void modelCheckingTest_barging_rejected() {
        Class<?> test = Barging.class;
        assertRejected(() -> rejecting(fixed(
                List.of(actor(test, "tryAcquire", SHARED, 0)),
                List.of(List.of(actor(test, "acquire", EXCLUSIVE, 1),
                                actor(test, "tryAcquire", SHARED, 1)),
                        List.of(actor(test, "queueLength"))),
                List.of()))
                .check(test), INVALID_RESULTS);
    }

    /**
     * A SHARED holder, an EXCLUSIVE request and a SHARED request behind it; withdrawing the
     * EXCLUSIVE one must let the SHARED one in, but the lock that loses withdrawals keeps it
     * waiting: {@code isGranted(2)} is false, and at quiescence a request waits that the
     * holders admit (a lost waiter, which the validation reports first).
     */
    @Test
    void modelCheckingTest_lostWithdrawal_rejected() {
        Class<?> test = LostWithdrawal.class;
        assertRejected(() -> rejecting(fixed(
                List.of(actor(test, "tryAcquire", SHARED, 0),
                        actor(test, "acquire", EXCLUSIVE, 1),
                        actor(test, "acquire", SHARED, 2)),
                List.of(List.of(actor(test, "cancel", 1)),
                        List.of(actor(test, "locked"))),
                List.of(actor(test, "isGranted", 2))))
                .check(test), INVALID_RESULTS, LEAK);
    }

    // ---- NONE ----

    @Test
    void modelCheckingTest_correctMonitorLock_passes() {
        correct(LincheckConfig.modelChecking()).check(Correct.class);
        correct(LincheckConfig.modelChecking()).check(CorrectWaiting.class);
    }

    @Test
    void stressTest_correctMonitorLock_passes() {
        LincheckConfig.stress().check(Correct.class);
        LincheckConfig.stress().check(CorrectWaiting.class);
    }

    /**
     * The obstruction-freedom check on a fixed scenario (minimized as usual: Lincheck 3.7 fails
     * to print the trace of an unminimized obstruction-freedom violation).
     */
    @Test
    void modelCheckingTest_obstructionFreedom_monitorLockRejected() {
        Class<?> test = Correct.class;
        assertRejected(() -> fixed(
                List.of(),
                List.of(List.of(actor(test, "tryAcquire", EXCLUSIVE, 1)),
                        List.of(actor(test, "tryAcquire", SHARED, 2))),
                List.of())
                .checkObstructionFreedom(true)
                .check(test), BLOCKING);
    }
}
