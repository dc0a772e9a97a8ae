package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.MultiLock;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rules 1, 3 and 5 under load: {@value #THREADS} threads run random programs of every kind of
 * acquisition, cancellation, timeout and release on one lock for a bounded time (see
 * {@link StressDriver}), while an {@link ExclusionChecker} watches the critical sections; then the
 * lock must come to rest. A test of the test shows that the same driver catches a planted bug.
 *
 * <p>Rerun a failure with its seed: {@code -Dmultilock.stress.seed=...}; make the run longer with
 * {@code -Dmultilock.stress.millis=...} (see {@link StressConfig}).
 */
@Tag("stress")
final class StressTest {

    static final int THREADS = 4;
    /** Operations per thread, at most; the time limit usually comes first. */
    static final int MAX_OPS_PER_THREAD = 1_000_000;
    /** Fewer operations than this mean the run tested nothing. */
    static final long MIN_OPERATIONS = 1_000;
    /** How long the test of the test may drive the buggy lock before it gives up. */
    static final long PLANTED_BUG_MILLIS = 2_000;

    @Test
    void randomPrograms_fourThreads_keepExclusionAndComeToRest() {
        long seed = StressConfig.seed();
        long millis = StressConfig.millis();
        MultiLock lock = MultiLock.create();
        StressDriver.Result result = assertTimeoutPreemptively(
                Duration.ofMillis(millis).plusSeconds(StressDriver.LIVENESS_SECONDS
                        + 2 * StressDriver.SETTLE_SECONDS + 10),
                () -> new StressDriver<>(StressLock.of(lock), seed, THREADS, millis,
                        MAX_OPS_PER_THREAD).run());

        assertEquals(0, result.breachCount(), () -> result.breachCount() + " breaches, first "
                + result.breaches() + "; " + result.summary() + "; lock " + lock + "; "
                + StressConfig.rerun(seed));
        assertTrue(result.operations() >= MIN_OPERATIONS, () -> "the run did too little to mean"
                + " anything: " + result.summary() + "; " + StressConfig.rerun(seed));
        assertTrue(result.grants() > 0 && result.exclusiveSections() > 0, () -> "no grant, or no"
                + " EXCLUSIVE section, in " + result.summary() + "; " + StressConfig.rerun(seed));
        // the driver checked the rest state; check it once more with the plain API
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @EnumSource(PlantedBugLock.Bug.class)
    void randomPrograms_plantedBug_reportExclusionBreach(PlantedBugLock.Bug bug) {
        long seed = StressConfig.seed();
        PlantedBugLock buggy = new PlantedBugLock(MultiLock.create(), bug);
        StressDriver.Result result = assertTimeoutPreemptively(
                Duration.ofMillis(PLANTED_BUG_MILLIS).plusSeconds(StressDriver.LIVENESS_SECONDS
                        + 2 * StressDriver.SETTLE_SECONDS + 10),
                () -> new StressDriver<>(buggy, seed, THREADS, PLANTED_BUG_MILLIS,
                        MAX_OPS_PER_THREAD).run());

        assertTrue(result.breaches().stream().anyMatch(b -> b.startsWith("rule 1")),
                () -> "the stress checker missed the planted bug " + bug + " (it reported "
                        + result.breaches() + ") in " + result.summary() + "; "
                        + StressConfig.rerun(seed));
    }

}
