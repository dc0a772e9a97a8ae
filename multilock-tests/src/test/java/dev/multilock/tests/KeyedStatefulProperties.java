package dev.multilock.tests;

import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The model-based property of {@link MultiLockStatefulProperties}, on a family of keyed locks:
 * generated programs of up to {@value #MAX_STEPS} steps, each step one of the single-lock steps on
 * one of {@value #KEYS} keys, run on a {@code KeyedMultiLock} and on one {@link LockModel} per
 * key. After every step the two must agree on everything observable of every key's lock (as
 * {@link ModelChecker} checks a lone lock) and on the family's {@code size()}: the number of keys
 * that have a holder of any mode (NONE too), a waiting request, an open watch or a pending
 * {@code whenAcquirable} (API.md, K2). A failure is shrunk by QuickTheories to a short program.
 *
 * <p>What it shows, on one thread: every rule of {@code MultiLock} holds per key (K6) while the
 * family creates and drops the keys' states underneath, in any order of acquisitions, releases,
 * downgrades, withdrawals (cancel, time-out, completion from outside), watches and
 * {@code whenAcquirable}s of several keys; the state of a key lives exactly as long as K2 says;
 * a key whose state was dropped works again as a fresh lock, and a request queued on a key is
 * never forgotten when another of its uses ends (the sequential face of K3); keys never wait for
 * each other (K1), including {@link TestKey k1 and k2}, which are unequal with equal hash codes.
 * Every step fetches the key's lock anew with {@code get}, and {@code TestKey.of} makes a new key
 * object each time, so the family sees only equal, never identical, keys.
 *
 * <p>The test of this test: {@link PropertiesCatchPlantedBugsTest} runs the same property on
 * {@link BrokenKeyedLock}, which must pass with {@link BrokenKeyedLock.Bug#NONE} and fail with
 * {@link BrokenKeyedLock.Bug#DROP_WHILE_QUEUED} (the last holder's release drops the key's state
 * while a request still waits on it). {@link BrokenKeyedLock.Bug#SECOND_LIVE_STATE} is a race
 * between threads: on one thread it behaves correctly, so this property cannot see it and is not
 * asked to; the concurrent keyed suites are.
 *
 * <p>CI runs {@value #DEFAULT_EXAMPLES} programs with a fixed seed; see {@link PbtConfig} for
 * {@code -Dmultilock.pbt.seed} and {@code -Dmultilock.pbt.examples}.
 */
@Tag("property")
final class KeyedStatefulProperties {

    /** The keys of every program: k0, and k1 and k2 with equal hash codes (see TestKey). */
    static final int KEYS = 3;
    /** Longer than the single lock's programs: the steps are spread over three keys. */
    static final int MAX_STEPS = 90;
    static final int DEFAULT_EXAMPLES = 2_000;
    /** Fewer: a tryLock that times out waits {@link ModelChecker#TRY_LOCK_TIMEOUT}. */
    static final int DEFAULT_BLOCKING_EXAMPLES = 1_000;
    static final int SHRINK_CYCLES = 5_000;

    @Test
    void randomPrograms_threeKeys_agreeWithModelAfterEveryStep() {
        check(RealKeyedLock::new, "KeyedMultiLock", PbtConfig.seed(),
                PbtConfig.examples(DEFAULT_EXAMPLES));
    }

    /**
     * The same property with the calls that wait on a thread among the steps of each key (see
     * {@link MultiLockStatefulProperties#blockingSteps()}): a key's lock pins its state while the
     * thread waits, and a {@code tryLock} that times out must leave no state behind (K2). Its own
     * generator, so that the programs of the property above stay what its seed gave.
     */
    @Test
    void randomProgramsWithBlockingCalls_threeKeys_agreeWithModelAfterEveryStep() {
        check(RealKeyedLock::new, "KeyedMultiLock", PbtConfig.seed(),
                PbtConfig.examples(DEFAULT_BLOCKING_EXAMPLES),
                MultiLockStatefulProperties.programs(
                        integers().between(0, KEYS - 1).zip(
                                MultiLockStatefulProperties.blockingSteps(),
                                ModelChecker.KeyedStep::new),
                        MAX_STEPS, s -> s.step().kind() == ModelChecker.Kind.SKIP));
    }

    /**
     * The property: {@code examples} generated programs, each on a fresh family from
     * {@code families}, agree with the models after every step.
     *
     * @throws AssertionError from QuickTheories, with the shrunk program, if one does not
     */
    static void check(Supplier<TestedKeyedLock> families, String familyName, long seed,
            int examples) {
        check(families, familyName, seed, examples, programs());
    }

    private static void check(Supplier<TestedKeyedLock> families, String familyName, long seed,
            int examples, Gen<List<ModelChecker.KeyedStep>> programs) {
        PbtConfig.theory(seed, examples, SHRINK_CYCLES)
                .forAll(programs)
                .checkAssert(program -> ModelChecker.checkKeyed(families.get(), KEYS, familyName,
                        seed, program));
    }

    /** Programs as {@link MultiLockStatefulProperties#programs()} makes them, over three keys. */
    static Gen<List<ModelChecker.KeyedStep>> programs() {
        return MultiLockStatefulProperties.programs(steps(), MAX_STEPS,
                s -> s.step().kind() == ModelChecker.Kind.SKIP);
    }

    /**
     * One step of {@link MultiLockStatefulProperties#steps()}, with the same weights, on a key
     * drawn evenly from {@code 0 .. KEYS - 1}. Shrinking moves the key towards k0.
     */
    static Gen<ModelChecker.KeyedStep> steps() {
        return integers().between(0, KEYS - 1).zip(MultiLockStatefulProperties.steps(),
                ModelChecker.KeyedStep::new);
    }
}
