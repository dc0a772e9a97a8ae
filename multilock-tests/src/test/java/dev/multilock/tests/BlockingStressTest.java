package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Waiting on a thread under load (API.md, W1 to W4, with rules 1, 3 and 5): {@value #THREADS}
 * threads run random programs in which the calls that wait on the thread ({@code lock},
 * {@code tryLock} with timeouts of a few hundred microseconds, {@code lockInterruptibly}
 * interrupted by another thread at some moment) are mixed with asynchronous acquisitions,
 * cancellations and timeouts on the same lock (see {@link StressDriver}), while an
 * {@link ExclusionChecker} watches the critical sections; then the lock must come to rest. On one
 * lock, on the four keys of a keyed family (with watches and {@code whenAcquirable} too), and on a
 * set of two locks. A test of the test shows that the same driver catches a planted bug with only
 * the calls that wait on a thread.
 *
 * <p>The operations that wait on a thread come after the others in {@link StressDriver.Op}, so
 * {@link StressTest} and {@link KeyedStressTest} still run the programs their seeds gave before.
 *
 * <p>Rerun a failure with its seed: {@code -Dmultilock.stress.seed=...}; make the runs longer
 * with {@code -Dmultilock.stress.millis=...} (see {@link StressConfig}).
 */
@Tag("stress")
final class BlockingStressTest {

    static final int THREADS = 4;
    /** The keys of the keyed run, k0 .. k3 (k1 to k3 share a hash code). */
    static final int KEYS = 4;
    /** Operations per thread, at most; the time limit usually comes first. */
    static final int MAX_OPS_PER_THREAD = 1_000_000;
    /** Fewer operations than this mean the run tested nothing. */
    static final long MIN_OPERATIONS = 1_000;
    /** How long the test of the test may drive the buggy lock before it gives up. */
    static final long PLANTED_BUG_MILLIS = 2_000;

    /** Asynchronous acquisitions of one lock, and the calls that wait on a thread. */
    static final Set<StressDriver.Op> MIXED =
            StressDriver.Op.union(StressDriver.Op.ACQUISITIONS, StressDriver.Op.BLOCKING);

    @Test
    void randomProgramsWithBlockingCalls_oneLock_keepExclusionAndComeToRest() {
        long seed = StressConfig.seed();
        MultiLock lock = MultiLock.create();
        StressDriver.Result result = drive(StressFamily.of(StressLock.of(lock)), MIXED, seed,
                StressConfig.millis(), lock::toString);

        assertClean(result, seed, lock::toString);
        Quiescence.assertAtRest(lock);
    }

    @Test
    void randomProgramsWithBlockingCalls_fourKeys_keepExclusionPerKeyAndDropEveryState() {
        long seed = StressConfig.seed() + 1;
        RealKeyedLock family = new RealKeyedLock();
        StressDriver.Result result = drive(StressFamily.of(family, KEYS), StressDriver.Op.ALL,
                seed, StressConfig.millis() / 2, family::toString);

        assertClean(result, seed, family::toString);
        for (int key = 0; key < KEYS; key++) {
            Quiescence.assertAtRest(family.family.get(TestKey.of(key)));
        }
        assertEquals(0, family.size(), () -> "K2 (state only while in use): size() at rest, after"
                + " the probes: " + family + "; " + StressConfig.rerun(seed));
    }

    @Test
    void randomProgramsWithBlockingCalls_setOfTwo_keepExclusionAndComeToRest() {
        long seed = StressConfig.seed() + 2;
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        MultiLock set = MultiLockSet.of(b, a);
        StressDriver.Result result = drive(StressFamily.of(StressLock.of(set)), MIXED, seed,
                StressConfig.millis() / 2, set::toString);

        assertClean(result, seed, set::toString);
        Quiescence.assertAtRest(set);
        Quiescence.assertAtRest(a);
        Quiescence.assertAtRest(b);
    }

    @ParameterizedTest
    @EnumSource(PlantedBugLock.Bug.class)
    void blockingCallsOnly_plantedBug_reportExclusionBreach(PlantedBugLock.Bug bug) {
        long seed = StressConfig.seed();
        PlantedBugLock buggy = new PlantedBugLock(MultiLock.create(), bug);
        StressDriver.Result result = drive(StressFamily.of(buggy), StressDriver.Op.BLOCKING, seed,
                PLANTED_BUG_MILLIS, buggy::describe);

        assertTrue(result.breaches().stream().anyMatch(b -> b.startsWith("rule 1")),
                () -> "the stress checker missed the planted bug " + bug + " in grants of calls"
                        + " that wait on a thread (it reported " + result.breaches() + ") in "
                        + result.summary() + "; " + StressConfig.rerun(seed));
    }

    private static <G> StressDriver.Result drive(StressFamily<G> family, Set<StressDriver.Op> ops,
            long seed, long millis, Supplier<String> lock) {
        StressDriver.Result result = assertTimeoutPreemptively(
                Duration.ofMillis(millis).plusSeconds(StressDriver.LIVENESS_SECONDS
                        + 2 * StressDriver.SETTLE_SECONDS + 10),
                () -> new StressDriver<>(family, ops, seed, THREADS, millis, MAX_OPS_PER_THREAD)
                        .run(),
                () -> "liveness: the stress run did not end; " + lock.get() + "; "
                        + StressConfig.rerun(seed));
        System.out.println("BlockingStressTest: " + result.summary());
        return result;
    }

    private static void assertClean(StressDriver.Result result, long seed,
            Supplier<String> lock) {
        assertEquals(0, result.breachCount(), () -> result.breachCount() + " breaches, first "
                + result.breaches() + "; " + result.summary() + "; lock " + lock.get() + "; "
                + StressConfig.rerun(seed));
        assertTrue(result.operations() >= MIN_OPERATIONS, () -> "the run did too little to mean"
                + " anything: " + result.summary() + "; " + StressConfig.rerun(seed));
        assertTrue(result.grants() > 0 && result.exclusiveSections() > 0, () -> "no grant, or no"
                + " EXCLUSIVE section, in " + result.summary() + "; " + StressConfig.rerun(seed));
    }
}
