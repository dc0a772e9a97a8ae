package dev.multilock.tests;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

import java.util.concurrent.ConcurrentHashMap;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * The shape and size of the Lincheck runs, shared by the suites over the real lock and the
 * negative controls over {@link BrokenLock} (for keyed families: {@link BrokenKeyedLock}), so
 * that both run exactly the same checks.
 *
 * <p>Each run generates {@code iterations} random scenarios (three threads of three operations,
 * after an init part of two and before a post part of one) and runs each {@code invocations}
 * times: the model checker explores that many interleavings of it, the stress runner runs it that
 * many times on real threads. The number of scenarios scales with the system property
 * {@value #SCALE_PROPERTY} (default 1): {@code -Dmultilock.lincheck.scale=10} checks ten times as
 * many. Maven passes {@code -D} options through to the test JVM:
 * {@code mvn test -pl multilock-tests -am -Dtest='*LincheckTest' -Dmultilock.lincheck.scale=10}.
 */
final class LincheckConfig {

    static final String SCALE_PROPERTY = "multilock.lincheck.scale";

    /** Model checking in CI: scenarios per run, and interleavings explored per scenario. */
    static final int MODEL_CHECKING_ITERATIONS = 20;
    static final int MODEL_CHECKING_INVOCATIONS = 1_000;
    /** Stress in CI: scenarios per run, and runs of each scenario. */
    static final int STRESS_ITERATIONS = 20;
    static final int STRESS_INVOCATIONS = 1_000;

    /**
     * The keyed suites ({@link KeyedLincheckTest} and its negative controls), per run: fewer and
     * shorter scenarios, since an interleaving of a family is about three times as long to run as
     * one of a single lock, and every run starts with the fixed scenarios of
     * {@link KeyedLincheckTest#K3_SCENARIOS}; sized so that all keyed suites together take about
     * a minute on two cores.
     */
    static final int KEYED_MODEL_CHECKING_ITERATIONS = 4;
    static final int KEYED_MODEL_CHECKING_INVOCATIONS = 300;
    static final int KEYED_STRESS_ITERATIONS = 10;
    static final int KEYED_STRESS_INVOCATIONS = 1_000;

    static final int THREADS = 3;
    static final int ACTORS_PER_THREAD = 3;
    static final int ACTORS_BEFORE = 2;
    static final int ACTORS_AFTER = 1;

    private LincheckConfig() {}

    /** The scale factor, at least 1. */
    static int scale() {
        return Math.max(1, Integer.getInteger(SCALE_PROPERTY, 1));
    }

    static int modelCheckingIterations() {
        return MODEL_CHECKING_ITERATIONS * scale();
    }

    static int stressIterations() {
        return STRESS_ITERATIONS * scale();
    }

    /**
     * Model checking of keyed families against {@link SequentialKeyedLock}. The methods of
     * {@code ConcurrentHashMap}, the families' key table, are treated as atomic: each is
     * linearizable for the key it is given, and the model checker then spends its thread
     * switches on the family's own races (between two table operations, and between a table
     * operation and a use count's CAS) rather than inside the JDK's table. The stress runs keep
     * the real table.
     */
    static ModelCheckingOptions keyedModelChecking() {
        return modelChecking()
                .iterations(KEYED_MODEL_CHECKING_ITERATIONS * scale())
                .invocationsPerIteration(KEYED_MODEL_CHECKING_INVOCATIONS)
                .addGuarantee(forClasses(ConcurrentHashMap.class.getName())
                        .allMethods().treatAsAtomic())
                .sequentialSpecification(SequentialKeyedLock.class);
    }

    /** Stress runs of keyed families against {@link SequentialKeyedLock}. */
    static StressOptions keyedStress() {
        return stress()
                .iterations(KEYED_STRESS_ITERATIONS * scale())
                .invocationsPerIteration(KEYED_STRESS_INVOCATIONS)
                .sequentialSpecification(SequentialKeyedLock.class);
    }

    /** Model checking against {@link SequentialLock}. */
    static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions()
                .iterations(modelCheckingIterations())
                .invocationsPerIteration(MODEL_CHECKING_INVOCATIONS)
                .threads(THREADS)
                .actorsPerThread(ACTORS_PER_THREAD)
                .actorsBefore(ACTORS_BEFORE)
                .actorsAfter(ACTORS_AFTER)
                .sequentialSpecification(SequentialLock.class);
    }

    /** Stress runs against {@link SequentialLock}, of scenarios shaped as for model checking. */
    static StressOptions stress() {
        return new StressOptions()
                .iterations(stressIterations())
                .invocationsPerIteration(STRESS_INVOCATIONS)
                .threads(THREADS)
                .actorsPerThread(ACTORS_PER_THREAD)
                .actorsBefore(ACTORS_BEFORE)
                .actorsAfter(ACTORS_AFTER)
                .sequentialSpecification(SequentialLock.class);
    }
}
