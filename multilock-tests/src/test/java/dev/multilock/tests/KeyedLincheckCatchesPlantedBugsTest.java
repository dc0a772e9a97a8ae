package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.multilock.MultiLockType;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The negative controls of {@link KeyedLincheckTest}: its operations ({@link KeyedLockOperations}),
 * sequential specification and options, scenarios included, run against {@link BrokenKeyedLock},
 * a keyed family written by hand over plain locks, so that the keyed suite keeps proving it can
 * fail on the drop bugs K3 (API.md) rules out.
 *
 * <ul>
 *   <li>{@link BrokenKeyedLock.Bug#SECOND_LIVE_STATE} (check-then-act on the map: two first uses
 *       can each create a lock for one key, and a drop can race a new use): rejected by the model
 *       checker and by the stress runner; in the runs seen, by the validation (a plain count
 *       that lost an update leaves a key's state behind; two holders that exclude each other).
 *   <li>{@link BrokenKeyedLock.Bug#DROP_WHILE_QUEUED} (a waiting request is not a use, so the
 *       last holder's release drops the state under it): rejected by both; in the runs seen, by
 *       the validation ({@code size()} 0 while a request waits or holds).
 *   <li>The linearizability verifier alone, without the validation, rejects each of the two on
 *       a fixed scenario ({@link ResultsOnly}).
 *   <li>{@link BrokenKeyedLock.Bug#NONE}, the correct hand-written family: accepted by both (the
 *       model checker on fewer scenarios: see {@link #correct}).
 * </ul>
 *
 * <p>Each rejection must be a {@link LincheckAssertionError} reporting results no sequence of the
 * calls gives, or the validation function's failure (at quiescence: two holders that exclude
 * each other, a {@code size()} that does not count the keys in use, a lost waiter or signal, a
 * leak); which one comes first depends on the interleaving the model checker or the threads
 * happen to run first, so both are accepted, as in {@link BrokenLockLincheckTest}. A rejected
 * run stops at its first failure and is not minimized. Lincheck needs the nested test classes
 * public, with public constructors.
 */
@Tag("lincheck")
final class KeyedLincheckCatchesPlantedBugsTest {

    /** The keyed operations over the family with two live states for one key. */
    public static final class SecondLiveState extends KeyedLockOperations {
        public SecondLiveState() {
            super(new BrokenKeyedLock(BrokenKeyedLock.Bug.SECOND_LIVE_STATE));
        }
    }

    /** The keyed operations over the family that drops a state while a request waits. */
    public static final class DropWhileQueued extends KeyedLockOperations {
        public DropWhileQueued() {
            super(new BrokenKeyedLock(BrokenKeyedLock.Bug.DROP_WHILE_QUEUED));
        }
    }

    /** The keyed operations over the correct hand-written family. */
    public static final class Correct extends KeyedLockOperations {
        public Correct() {
            super(new BrokenKeyedLock(BrokenKeyedLock.Bug.NONE));
        }
    }

    /**
     * Only {@code tryAcquire}, {@code acquire}, {@code release} and {@code locked} over a keyed
     * family, and no validation: the linearizability verifier alone must reject the drop bugs,
     * which the validation of {@link KeyedLockOperations} usually reports first.
     */
    @Param(name = "thread", gen = ThreadIdGen.class)
    @Param(name = "key", gen = IntGen.class, conf = KeyedSlots.KEY_RANGE)
    public abstract static class ResultsOnly {
        private final KeyedSlots slots;

        ResultsOnly(BrokenKeyedLock.Bug bug) {
            this.slots = new KeyedSlots(new BrokenKeyedLock(bug));
        }

        @Operation
        public boolean tryAcquire(MultiLockType type, @Param(name = "key") int key,
                @Param(name = "thread") int thread) {
            return slots.of(key).tryAcquire(type, thread);
        }

        @Operation
        public void acquire(MultiLockType type, @Param(name = "key") int key,
                @Param(name = "thread") int thread) {
            slots.of(key).acquire(type, thread);
        }

        @Operation
        public boolean release(@Param(name = "key") int key, @Param(name = "thread") int thread) {
            return slots.of(key).release(thread);
        }

        @Operation
        public MultiLockType locked(@Param(name = "key") int key) {
            return slots.of(key).locked();
        }
    }

    /** {@link ResultsOnly} over the family with two live states for one key. */
    public static final class SecondLiveStateResults extends ResultsOnly {
        public SecondLiveStateResults() {
            super(BrokenKeyedLock.Bug.SECOND_LIVE_STATE);
        }
    }

    /** {@link ResultsOnly} over the family that drops a state while a request waits. */
    public static final class DropWhileQueuedResults extends ResultsOnly {
        public DropWhileQueuedResults() {
            super(BrokenKeyedLock.Bug.DROP_WHILE_QUEUED);
        }
    }

    private static final int K1 = 1;

    private static final String INVALID_RESULTS = "= Invalid execution results =";
    private static final String LEAK = "= Validation function nothingLeaks has failed =";

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

    /** Model checking of one fixed scenario only, without validation. */
    private static ModelCheckingOptions fixed(
            List<Actor> init, List<List<Actor>> threads, List<Actor> post) {
        return LincheckConfig.keyedModelChecking()
                .iterations(0)
                .addCustomScenario(new ExecutionScenario(init, threads, post, null));
    }

    /**
     * The correct family costs the model checker more (a map operation for every change of a
     * use count): a quarter of the random scenarios, and half the interleavings of each.
     */
    private static ModelCheckingOptions correct(ModelCheckingOptions options) {
        return options
                .iterations(Math.max(1, LincheckConfig.KEYED_MODEL_CHECKING_ITERATIONS
                        * LincheckConfig.scale() / 4))
                .invocationsPerIteration(LincheckConfig.KEYED_MODEL_CHECKING_INVOCATIONS / 2);
    }

    // ---- SECOND_LIVE_STATE ----

    @Test
    void modelCheckingTest_secondLiveState_rejected() {
        assertRejected(() -> rejecting(KeyedLincheckTest.modelChecking())
                .check(SecondLiveState.class), INVALID_RESULTS, LEAK);
    }

    @Test
    void stressTest_secondLiveState_rejected() {
        assertRejected(() -> rejecting(KeyedLincheckTest.stress())
                .check(SecondLiveState.class), INVALID_RESULTS, LEAK);
    }

    /**
     * The results alone: two first {@code tryAcquire(EXCLUSIVE)} of the idle key k1 at once
     * each create a lock for it, and both succeed.
     */
    @Test
    void modelCheckingTest_secondLiveState_resultsNotLinearizable() {
        Class<?> test = SecondLiveStateResults.class;
        assertRejected(() -> rejecting(fixed(
                List.of(),
                List.of(List.of(actor(test, "tryAcquire", EXCLUSIVE, K1, 1)),
                        List.of(actor(test, "tryAcquire", EXCLUSIVE, K1, 2))),
                List.of(actor(test, "locked", K1))))
                .check(test), INVALID_RESULTS);
    }

    // ---- DROP_WHILE_QUEUED ----

    @Test
    void modelCheckingTest_dropWhileQueued_rejected() {
        assertRejected(() -> rejecting(KeyedLincheckTest.modelChecking())
                .check(DropWhileQueued.class), INVALID_RESULTS, LEAK);
    }

    @Test
    void stressTest_dropWhileQueued_rejected() {
        assertRejected(() -> rejecting(KeyedLincheckTest.stress())
                .check(DropWhileQueued.class), INVALID_RESULTS, LEAK);
    }

    /**
     * The results alone: the release of k1's holder grants the waiting EXCLUSIVE request, so k1
     * stays EXCLUSIVE and a later {@code tryAcquire(SHARED)} fails; the family that drops the
     * state under the waiter shows k1 free and lets the SHARED request in beside it.
     */
    @Test
    void modelCheckingTest_dropWhileQueued_resultsNotLinearizable() {
        Class<?> test = DropWhileQueuedResults.class;
        assertRejected(() -> rejecting(fixed(
                List.of(actor(test, "tryAcquire", EXCLUSIVE, K1, 1),
                        actor(test, "acquire", EXCLUSIVE, K1, 1)),
                List.of(List.of(actor(test, "release", K1, 1)),
                        List.of(actor(test, "locked", K1))),
                List.of(actor(test, "tryAcquire", SHARED, K1, 2))))
                .check(test), INVALID_RESULTS);
    }

    // ---- NONE ----

    @Test
    void modelCheckingTest_correctFamily_passes() {
        correct(KeyedLincheckTest.modelChecking()).check(Correct.class);
    }

    @Test
    void stressTest_correctFamily_passes() {
        KeyedLincheckTest.stress().check(Correct.class);
    }
}
