package dev.multilock.tests;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Model-based properties: generated programs of up to {@value #MAX_STEPS} steps (acquire,
 * tryAcquire, release, release twice, cancel, time out, complete from outside, downgrade, watch,
 * clear, close, whenAcquirable and its cancellation; and in a second property, the calls that
 * wait on a thread: lock, lockInterruptibly, tryLock) run on a lock and on {@link LockModel}, and
 * after every step the two must agree on everything observable (see {@link ModelChecker}). A
 * failure is shrunk by QuickTheories to a short program, printed with what each step did.
 *
 * <p>Each {@link Shape} of lock runs the same property: one lock, and sets of two and three
 * leaves. The model of one lock is also the exact model of a set <i>as long as every acquisition
 * of its leaves goes through the set</i>, as here: every set request then waits on the first
 * leaf only, and once granted there takes the other leaves at once (they have the same holders
 * and nobody waiting), so every leaf has the first leaf's holders and the set behaves as one
 * lock. (A direct acquisition of a leaf would break that: it is not in the set's queue.)
 *
 * <p>The same property, run against {@link BrokenLock}, must fail for each planted bug that one
 * thread can see: see {@link PropertiesCatchPlantedBugsTest}.
 *
 * <p>CI runs {@value #DEFAULT_EXAMPLES} programs per shape with a fixed seed; see
 * {@link PbtConfig} for {@code -Dmultilock.pbt.seed} and {@code -Dmultilock.pbt.examples}.
 */
@Tag("property")
final class MultiLockStatefulProperties {

    static final int MAX_STEPS = 50;
    static final int DEFAULT_EXAMPLES = 1_000;
    /** Fewer: a tryLock that times out waits {@link ModelChecker#TRY_LOCK_TIMEOUT}. */
    static final int DEFAULT_BLOCKING_EXAMPLES = 1_000;
    static final int SHRINK_CYCLES = 5_000;

    /** The locks the property runs on; each case gets a fresh one. */
    enum Shape {
        SINGLE_LOCK {
            @Override
            MultiLock create() {
                return MultiLock.create();
            }
        },
        SET_OF_TWO {
            @Override
            MultiLock create() {
                MultiLock a = MultiLock.create();
                MultiLock b = MultiLock.create();
                return MultiLockSet.of(b, a); // acquired in creation order: a, then b
            }
        },
        SET_OF_THREE {
            @Override
            MultiLock create() {
                MultiLock a = MultiLock.create();
                MultiLock b = MultiLock.create();
                MultiLock c = MultiLock.create();
                return MultiLockSet.of(c, a, b);
            }
        },
        /** {@code of(of(a, b), of(b, c))}: three leaves, b once. */
        SET_OF_SETS {
            @Override
            MultiLock create() {
                MultiLock a = MultiLock.create();
                MultiLock b = MultiLock.create();
                MultiLock c = MultiLock.create();
                return MultiLockSet.of(MultiLockSet.of(b, c), MultiLockSet.of(a, b));
            }
        };

        abstract MultiLock create();
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void randomPrograms_eachShape_agreeWithModelAfterEveryStep(Shape shape) {
        check(() -> new RealLock(shape.create()), shape.name(), PbtConfig.seed(),
                PbtConfig.examples(DEFAULT_EXAMPLES));
    }

    /**
     * The same property with the calls that wait on a thread among the steps (API.md, W1 to
     * W4, where one thread can make them): {@code lock} and {@code lockInterruptibly} where they
     * are granted at once, {@code tryLock} with a short timeout (granted at once, or queued and
     * withdrawn), and {@code lockInterruptibly} with the interrupt status set. Its own generator,
     * so that the programs of the property above stay what its seed gave.
     */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void randomProgramsWithBlockingCalls_eachShape_agreeWithModelAfterEveryStep(Shape shape) {
        check(() -> new RealLock(shape.create()), shape.name(), PbtConfig.seed(),
                PbtConfig.examples(DEFAULT_BLOCKING_EXAMPLES), blockingPrograms());
    }

    /**
     * The property: {@code examples} generated programs, each on a fresh lock from
     * {@code locks}, agree with the model after every step.
     *
     * @throws AssertionError from QuickTheories, with the shrunk program, if one does not
     */
    static void check(Supplier<TestedLock> locks, String lockName, long seed, int examples) {
        check(locks, lockName, seed, examples, programs());
    }

    /** The property over the programs of {@code programs}. */
    static void check(Supplier<TestedLock> locks, String lockName, long seed, int examples,
            Gen<List<ModelChecker.Step>> programs) {
        PbtConfig.theory(seed, examples, SHRINK_CYCLES)
                .forAll(programs)
                .checkAssert(program -> ModelChecker.check(locks.get(), lockName, seed, program));
    }

    /**
     * Programs of up to {@value #MAX_STEPS} steps. QuickTheories shrinks a list by cutting its
     * tail and each element towards the first of its choices, never by removing an element from
     * the middle; so a step shrinks towards SKIP, and SKIPs are dropped from the program, which
     * lets a failure shrink to the few steps that matter.
     */
    static Gen<List<ModelChecker.Step>> programs() {
        return programs(steps(), MAX_STEPS, s -> s.kind() == ModelChecker.Kind.SKIP);
    }

    /** Programs as {@link #programs()}, of {@link #blockingSteps()}. */
    static Gen<List<ModelChecker.Step>> blockingPrograms() {
        return programs(blockingSteps(), MAX_STEPS, s -> s.kind() == ModelChecker.Kind.SKIP);
    }

    /**
     * Programs of up to {@code maxSteps} steps drawn from {@code steps}, the steps that
     * {@code skip} accepts dropped (see {@link #programs()}); for the keyed property too.
     */
    static <S> Gen<List<S>> programs(Gen<S> steps, int maxSteps, Predicate<S> skip) {
        return lists().of(steps).ofSizeBetween(1, maxSteps).map(drawn -> {
            List<S> program = new ArrayList<>(drawn);
            program.removeIf(skip);
            return program;
        });
    }

    /**
     * One step: a kind drawn with the weights of {@link #asynchronousKinds()} (acquisitions and
     * releases most often, so that
     * queues form and drain), a type, and an index 0..7 for the kinds that pick a target.
     * Shrinking moves towards SKIP, NONE and index 0.
     */
    static Gen<ModelChecker.Step> steps() {
        return steps(asynchronousKinds());
    }

    /**
     * The steps of {@link #steps()}, and after them, so that shrinking still moves towards SKIP,
     * the calls that wait on a thread: {@code lock} 2, {@code lockInterruptibly} 1,
     * {@code tryLock} 2 and {@code lockInterruptibly} with the interrupt status set 1.
     */
    static Gen<ModelChecker.Step> blockingSteps() {
        List<ModelChecker.Kind> weighted = asynchronousKinds();
        add(weighted, ModelChecker.Kind.LOCK, 2);
        add(weighted, ModelChecker.Kind.LOCK_INTERRUPTIBLY, 1);
        add(weighted, ModelChecker.Kind.TRY_LOCK, 2);
        add(weighted, ModelChecker.Kind.LOCK_INTERRUPTED, 1);
        return steps(weighted);
    }

    /**
     * Only what makes and ends holds, and the calls that wait on a thread: no cancel, time-out
     * or completion from outside, so that every withdrawal is a {@code tryLock} that times out.
     * For the test of the test ({@link PropertiesCatchPlantedBugsTest}).
     */
    static Gen<List<ModelChecker.Step>> blockingOnlyPrograms() {
        List<ModelChecker.Kind> weighted = new ArrayList<>();
        add(weighted, ModelChecker.Kind.SKIP, 1);
        add(weighted, ModelChecker.Kind.ACQUIRE, 4);
        add(weighted, ModelChecker.Kind.TRY_ACQUIRE, 1);
        add(weighted, ModelChecker.Kind.RELEASE, 4);
        add(weighted, ModelChecker.Kind.LOCK, 2);
        add(weighted, ModelChecker.Kind.LOCK_INTERRUPTIBLY, 1);
        add(weighted, ModelChecker.Kind.TRY_LOCK, 3);
        add(weighted, ModelChecker.Kind.LOCK_INTERRUPTED, 1);
        return programs(steps(weighted), MAX_STEPS, s -> s.kind() == ModelChecker.Kind.SKIP);
    }

    private static Gen<ModelChecker.Step> steps(List<ModelChecker.Kind> weighted) {
        return Generate.pick(weighted).zip(Generate.enumValues(MultiLockType.class),
                integers().between(0, 7), ModelChecker.Step::new);
    }

    /** The weighted kinds of {@link #steps()}, SKIP first. */
    private static List<ModelChecker.Kind> asynchronousKinds() {
        List<ModelChecker.Kind> weighted = new ArrayList<>();
        add(weighted, ModelChecker.Kind.SKIP, 1); // first: the shrink target
        add(weighted, ModelChecker.Kind.ACQUIRE, 6);
        add(weighted, ModelChecker.Kind.TRY_ACQUIRE, 2);
        add(weighted, ModelChecker.Kind.RELEASE, 4);
        add(weighted, ModelChecker.Kind.RELEASE_TWICE, 1);
        add(weighted, ModelChecker.Kind.CANCEL, 2);
        add(weighted, ModelChecker.Kind.TIME_OUT, 1);
        add(weighted, ModelChecker.Kind.COMPLETE, 1);
        add(weighted, ModelChecker.Kind.DOWNGRADE, 2);
        add(weighted, ModelChecker.Kind.WATCH, 1);
        add(weighted, ModelChecker.Kind.CLEAR, 1);
        add(weighted, ModelChecker.Kind.CLOSE, 1);
        add(weighted, ModelChecker.Kind.WHEN_ACQUIRABLE, 1);
        add(weighted, ModelChecker.Kind.CANCEL_WAIT, 1);
        return weighted;
    }

    private static void add(List<ModelChecker.Kind> weighted, ModelChecker.Kind kind, int weight) {
        weighted.addAll(Collections.nCopies(weight, kind));
    }
}
