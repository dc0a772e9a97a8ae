package dev.multilock.tests;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * The shape and size of the Lincheck runs, shared by the suites over the real lock and the
 * negative controls over {@link BrokenLock}, so that both run exactly the same checks.
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
