package dev.multilock.tests;

import static org.quicktheories.QuickTheory.qt;

import org.quicktheories.QuickTheory;

/**
 * The knobs of the property suites, read from system properties so that CI runs a fixed, bounded
 * set of cases and a failure can be rerun, or a run made longer, without editing code:
 *
 * <ul>
 *   <li>{@value #SEED_PROPERTY}: the QuickTheories seed of every property (decimal or {@code 0x}
 *       hex). Default {@value #DEFAULT_SEED}, so CI always tries the same cases.
 *   <li>{@value #EXAMPLES_PROPERTY}: how many cases each property generates, overriding each
 *       property's own default (the defaults keep all the property suites within about 30 s on
 *       two cores).
 * </ul>
 *
 * <p>{@code mvn test -pl multilock-tests -am -Dtest='*Properties'
 * -Dsurefire.failIfNoSpecifiedTests=false -Dmultilock.pbt.examples=20000
 * -Dmultilock.pbt.seed=42}.
 */
final class PbtConfig {

    static final String SEED_PROPERTY = "multilock.pbt.seed";
    static final String EXAMPLES_PROPERTY = "multilock.pbt.examples";

    static final long DEFAULT_SEED = 20240611L;

    private PbtConfig() {}

    /** The seed of every property. */
    static long seed() {
        return Long.getLong(SEED_PROPERTY, DEFAULT_SEED);
    }

    /** The number of cases of a property whose CI default is {@code defaultExamples}. */
    static int examples(int defaultExamples) {
        return Math.max(1, Integer.getInteger(EXAMPLES_PROPERTY, defaultExamples));
    }

    /**
     * A QuickTheories run with the given seed and number of cases, that shrinks a failure for at
     * most {@code shrinkCycles} more runs.
     */
    static QuickTheory theory(long seed, int examples, int shrinkCycles) {
        return qt().withFixedSeed(seed).withExamples(examples).withShrinkCycles(shrinkCycles);
    }

    /** The words every failure message ends with: the seed, and how to rerun with it. */
    static String rerun(long seed) {
        return "seed=" + seed + " (rerun with -D" + SEED_PROPERTY + "=" + seed + ")";
    }
}
