package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of a keyed family ({@code KeyedMultiLock}) over two keys, k1 and k2 (unequal,
 * with equal hash codes), checked by Lincheck against {@link SequentialKeyedLock}, one
 * {@link SequentialLock} per key: API.md K3, that dropping a key's state never races an
 * acquisition into two live states, and exclusion and FIFO per key (K1, K6), over
 * {@code acquire}, {@code tryAcquire}, {@code release}, {@code cancel}, {@code watch} and
 * {@code close}, each of either key, with {@code locked} and {@code queueLength} of either key
 * as observers.
 *
 * <p>The shape is that of {@link KeyedLockOperations}: one thread enqueues and enables (as in
 * {@link MultiLockWaitingLincheckTest}, the shape in which the single lock with waiters is
 * linearizable; {@link MultiLockLimitsLincheckTest} shows where it stops), the others try, watch,
 * close and observe. So a key's state is created by the first use in any thread and dropped by
 * the last {@code release} or {@code close}, while other threads make new uses of the same key.
 * Every run starts with the fixed scenarios of {@link #K3_SCENARIOS}, which put exactly those
 * races in the parallel part, then runs random ones:
 * <ol>
 *   <li>a release that grants a waiting request, which must keep the state alive;
 *   <li>a last release (the sole hold) against a first {@code tryAcquire} and a first
 *       {@code watch}, left open so that the validation sees which state it watches;
 *   <li>two first uses of an idle key at once, beside the other key of the same hash code;
 *   <li>two last releases and a last {@code close} at once (no request waits, so that, as in
 *       {@link MultiLockLincheckTest}, any thread may release), against first uses of the next
 *       state.
 * </ol>
 * After each invocation the validation ({@link KeyedSlots#checkNothingLeaks()}) checks, per key,
 * what must hold at quiescence whatever the interleaving (exclusion among the granted holds,
 * {@code locked()} and {@code queueLength()} exact, no lost waiter, no watch that missed its
 * signal), that {@code size()} counts exactly the keys in use, and that once everything is
 * released, withdrawn and closed the family is empty.
 *
 * <ul>
 *   <li>{@code modelCheckingTest()}: Lincheck's model checker, without its obstruction-freedom
 *       check: the family's key table is a {@code ConcurrentHashMap}, whose bin locks
 *       ({@code synchronized}, held for a few instructions, never across a wait or user code)
 *       API.md K6 allows, and the check would report them as blocking. (The table's methods are
 *       treated as atomic, see {@link LincheckConfig#keyedModelChecking()}.) The lock of each key
 *       is the lock-free lock, which {@link MultiLockLincheckTest} checks with obstruction
 *       freedom.
 *   <li>{@code stressTest()}: the same scenarios on real threads, with the real table.
 *   <li>{@code modelCheckingTest_racingEnablers_keepContract()}: outside that shape, for safety
 *       only, a withdrawal or a close that may be the last use, racing a release of the key in
 *       another thread ({@link #RACING_ENABLERS}).
 * </ul>
 *
 * <p>Limits: two keys, three threads of at most three operations, and, for linearizability, the
 * one-enabler shape: releases or withdrawals of one key racing in two threads while requests
 * wait are not linearizable even for the single lock ({@link MultiLockLimitsLincheckTest}), so
 * there only the quiescent invariants are checked, on two fixed scenarios; in the random
 * scenarios {@code cancel} is never the last use of a key. Watch flags are checked at quiescence
 * only, {@code downgrade} and {@code whenAcquirable} are left out (see
 * {@link KeyedLockOperations}). The model checker explores a few hundred interleavings of each
 * scenario, not all of them; sizes are in {@link LincheckConfig}, scaled by
 * {@code multilock.lincheck.scale}. {@link KeyedLincheckCatchesPlantedBugsTest} shows that these
 * checks reject families with the drop bugs of {@link BrokenKeyedLock} and accept a correct one.
 */
@Tag("lincheck")
public final class KeyedLincheckTest extends KeyedLockOperations {

    public KeyedLincheckTest() {
        super(new RealKeyedLock());
    }

    @Test
    void modelCheckingTest() {
        modelChecking().check(KeyedLincheckTest.class);
    }

    @Test
    void stressTest() {
        stress().check(KeyedLincheckTest.class);
    }

    /**
     * The same family outside the one-enabler shape, for safety only: in the scenarios of
     * {@link #RACING_ENABLERS}, releases, withdrawals and closes of one key race in several
     * threads, so that a withdrawal or a close can be the last use; the results need not be
     * linearizable there (see {@link MultiLockLimitsLincheckTest}), so they are not checked
     * ({@link EpsilonVerifier}), but every interleaving must keep what
     * {@link KeyedSlots#checkNothingLeaks()} checks at quiescence: exclusion, no lost waiter or
     * signal, {@code size()} exact, nothing leaked.
     */
    @Test
    void modelCheckingTest_racingEnablers_keepContract() {
        ModelCheckingOptions options = LincheckConfig.keyedModelChecking()
                .iterations(0)
                .verifier(EpsilonVerifier.class);
        for (ExecutionScenario scenario : RACING_ENABLERS) {
            options.addCustomScenario(scenario);
        }
        options.check(KeyedLincheckTest.class);
    }

    // ---- the checks, shared with the negative controls ----

    /** Model checking of {@link #K3_SCENARIOS} and random scenarios. */
    static ModelCheckingOptions modelChecking() {
        return withK3Scenarios(LincheckConfig.keyedModelChecking());
    }

    /** Stress runs of {@link #K3_SCENARIOS} and random scenarios. */
    static StressOptions stress() {
        return withK3Scenarios(LincheckConfig.keyedStress());
    }

    private static <O extends Options<O, ?>> O withK3Scenarios(O options) {
        for (ExecutionScenario scenario : K3_SCENARIOS) {
            options.addCustomScenario(scenario);
        }
        return options;
    }

    // ---- the scenarios ----

    private static final int K1 = 1;
    private static final int K2 = 2;

    /**
     * Fixed scenarios, run before the random ones, that put the drop of a key's state in the
     * parallel part, against new uses of the same key. Handles that a thread releases are taken
     * in the init part into its slot. In the last one no request waits, so that, as in
     * {@link MultiLockLincheckTest}, any thread may release.
     */
    static final List<ExecutionScenario> K3_SCENARIOS = List.of(
            // A release that grants a waiting request: the request, not the released hold, keeps
            // the state alive, so the key stays EXCLUSIVE throughout; a watch opened and closed
            // beside it, and a request withdrawn after its grant (the cancel fails).
            //   init:     tryAcquire(EXCLUSIVE, k1, 1); acquire(EXCLUSIVE, k1, 1)
            //   thread 1: release(k1, 1); cancel(k1, 1)
            //   thread 2: tryAcquire(SHARED, k1, 2); queueLength(k1)
            //   thread 3: watch(EXCLUSIVE, k1, 3); close(k1, 3); locked(k1)
            //   post:     locked(k1)
            scenario(
                    List.of(actor("tryAcquire", EXCLUSIVE, K1, 1),
                            actor("acquire", EXCLUSIVE, K1, 1)),
                    List.of(List.of(actor("release", K1, 1), actor("cancel", K1, 1)),
                            List.of(actor("tryAcquire", SHARED, K1, 2), actor("queueLength", K1)),
                            List.of(actor("watch", EXCLUSIVE, K1, 3), actor("close", K1, 3),
                                    actor("locked", K1))),
                    List.of(actor("locked", K1))),
            // The last release (the sole hold: the state dies with it) against a first tryAcquire
            // and a first watch, which find the state live, dead or gone; the watch stays open, so
            // the validation sees whether it watches the key's live state.
            //   init:     tryAcquire(EXCLUSIVE, k1, 1)
            //   thread 1: release(k1, 1); acquire(SHARED, k1, 1)
            //   thread 2: tryAcquire(EXCLUSIVE, k1, 2); locked(k1)
            //   thread 3: watch(SHARED, k1, 3)
            //   post:     isGranted(k1, 1)
            scenario(
                    List.of(actor("tryAcquire", EXCLUSIVE, K1, 1)),
                    List.of(List.of(actor("release", K1, 1), actor("acquire", SHARED, K1, 1)),
                            List.of(actor("tryAcquire", EXCLUSIVE, K1, 2), actor("locked", K1)),
                            List.of(actor("watch", SHARED, K1, 3))),
                    List.of(actor("isGranted", K1, 1))),
            // Two first uses of the idle key k1 at once (each may create its state), and the
            // key k2, with the same hash code, used beside them: it is another lock.
            //   thread 1: acquire(EXCLUSIVE, k1, 1)
            //   thread 2: tryAcquire(EXCLUSIVE, k1, 2); tryAcquire(EXCLUSIVE, k2, 2)
            //   thread 3: watch(EXCLUSIVE, k2, 3); tryAcquire(SHARED, k1, 3)
            //   post:     isGranted(k1, 1)
            scenario(
                    List.of(),
                    List.of(List.of(actor("acquire", EXCLUSIVE, K1, 1)),
                            List.of(actor("tryAcquire", EXCLUSIVE, K1, 2),
                                    actor("tryAcquire", EXCLUSIVE, K2, 2)),
                            List.of(actor("watch", EXCLUSIVE, K2, 3),
                                    actor("tryAcquire", SHARED, K1, 3))),
                    List.of(actor("isGranted", K1, 1))),
            // Two last releases and a last close at once (any may be the last use), against a
            // first watch and two first acquisitions of the next state.
            //   init:     tryAcquire(SHARED, k1, 1); tryAcquire(SHARED, k1, 2);
            //             watch(SHARED, k1, 3)
            //   thread 1: release(k1, 1); tryAcquire(EXCLUSIVE, k1, 1)
            //   thread 2: release(k1, 2); watch(EXCLUSIVE, k1, 2)
            //   thread 3: close(k1, 3); tryAcquire(EXCLUSIVE, k1, 3)
            //   post:     locked(k1)
            scenario(
                    List.of(actor("tryAcquire", SHARED, K1, 1),
                            actor("tryAcquire", SHARED, K1, 2), actor("watch", SHARED, K1, 3)),
                    List.of(List.of(actor("release", K1, 1), actor("tryAcquire", EXCLUSIVE, K1, 1)),
                            List.of(actor("release", K1, 2), actor("watch", EXCLUSIVE, K1, 2)),
                            List.of(actor("close", K1, 3), actor("tryAcquire", EXCLUSIVE, K1, 3))),
                    List.of(actor("locked", K1))));

    /**
     * Fixed scenarios outside the one-enabler shape, for
     * {@link #modelCheckingTest_racingEnablers_keepContract()}: a withdrawal and a close that may
     * each be the last use of k1, racing a release of the same key and new uses of it.
     */
    static final List<ExecutionScenario> RACING_ENABLERS = List.of(
            //   init:     tryAcquire(EXCLUSIVE, k1, 3); acquire(EXCLUSIVE, k1, 1)
            //   thread 1: cancel(k1, 1)
            //   thread 2: tryAcquire(SHARED, k1, 2); watch(SHARED, k1, 2)
            //   thread 3: release(k1, 3); acquire(SHARED, k1, 3)
            scenario(
                    List.of(actor("tryAcquire", EXCLUSIVE, K1, 3),
                            actor("acquire", EXCLUSIVE, K1, 1)),
                    List.of(List.of(actor("cancel", K1, 1)),
                            List.of(actor("tryAcquire", SHARED, K1, 2),
                                    actor("watch", SHARED, K1, 2)),
                            List.of(actor("release", K1, 3), actor("acquire", SHARED, K1, 3))),
                    List.of()),
            //   init:     watch(NONE, k1, 2); tryAcquire(SHARED, k1, 1); acquire(EXCLUSIVE, k1, 3)
            //   thread 1: release(k1, 1)
            //   thread 2: close(k1, 2); acquire(SHARED, k1, 2)
            //   thread 3: cancel(k1, 3)
            scenario(
                    List.of(actor("watch", NONE, K1, 2), actor("tryAcquire", SHARED, K1, 1),
                            actor("acquire", EXCLUSIVE, K1, 3)),
                    List.of(List.of(actor("release", K1, 1)),
                            List.of(actor("close", K1, 2), actor("acquire", SHARED, K1, 2)),
                            List.of(actor("cancel", K1, 3))),
                    List.of()));

    private static Actor actor(String name, Object... args) {
        for (Method m : KeyedLockOperations.class.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args));
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length);
    }

    private static ExecutionScenario scenario(
            List<Actor> init, List<List<Actor>> threads, List<Actor> post) {
        return new ExecutionScenario(init, threads, post, actor("nothingLeaks"));
    }
}
