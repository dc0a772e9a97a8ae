package dev.multilock.tests;

/**
 * The knobs of the concurrency tests, read from system properties so that a failure can be rerun
 * with the same seed, or a run made longer or shorter, without editing code:
 *
 * <ul>
 *   <li>{@value #SEED_PROPERTY}: the base seed of every random program (decimal or {@code 0x}
 *       hex); each thread derives its own from it. Default {@value #DEFAULT_SEED}.
 *   <li>{@value #MILLIS_PROPERTY}: how long one stress run may last, in milliseconds; a race test
 *       gives each variant an eighth of it. Default {@value #DEFAULT_MILLIS}.
 *   <li>{@value #ITERATIONS_PROPERTY}: how many times a race test repeats one race, at most.
 *       Default {@value #DEFAULT_ITERATIONS}.
 * </ul>
 *
 * <p>Maven passes {@code -D} options through to the test JVM:
 * {@code mvn test -pl multilock-tests -Dtest=StressTest -Dmultilock.stress.seed=42}.
 */
final class StressConfig {

    static final String SEED_PROPERTY = "multilock.stress.seed";
    static final String MILLIS_PROPERTY = "multilock.stress.millis";
    static final String ITERATIONS_PROPERTY = "multilock.stress.iterations";

    static final long DEFAULT_SEED = 20240611L;
    static final long DEFAULT_MILLIS = 2_000L;
    static final int DEFAULT_ITERATIONS = 5_000;

    private StressConfig() {}

    /** The base seed of the random programs. */
    static long seed() {
        return Long.getLong(SEED_PROPERTY, DEFAULT_SEED);
    }

    /** How long one stress run may last, in milliseconds. */
    static long millis() {
        return Math.max(1L, Long.getLong(MILLIS_PROPERTY, DEFAULT_MILLIS));
    }

    /** How many times a race test repeats one race, at most. */
    static int iterations() {
        return Math.max(1, Integer.getInteger(ITERATIONS_PROPERTY, DEFAULT_ITERATIONS));
    }

    /** The words every failure message ends with: the seed, and how to rerun with it. */
    static String rerun(long seed) {
        return "seed=" + seed + " (rerun with -D" + SEED_PROPERTY + "=" + seed + ")";
    }
}
