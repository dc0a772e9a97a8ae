package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The test of the property tests: the same properties, run against {@link BrokenLock}, pass on
 * the correct lock ({@link BrokenLock.Bug#NONE}) and fail on every planted bug they are meant to
 * see. A property that cannot fail proves nothing; this keeps proving that they can.
 *
 * <ul>
 *   <li>{@link MultiLockStatefulProperties} sees the bugs one thread can see:
 *       {@link BrokenLock.Bug#BARGING} (a tryAcquire succeeds past a waiter) and
 *       {@link BrokenLock.Bug#LOST_WITHDRAWAL} (a withdrawn request keeps the waiters behind it
 *       out). {@link BrokenLock.Bug#RACY_READ_THEN_WRITE} behaves correctly on one thread, so it
 *       is not asked to. Its programs of blocking calls only
 *       ({@link MultiLockStatefulProperties#blockingOnlyPrograms()}), where every withdrawal is a
 *       {@code tryLock} that times out, see {@link BrokenLock.Bug#LOST_WITHDRAWAL} too.
 *   <li>{@link MultiLockConcurrentProperties} sees {@link BrokenLock.Bug#RACY_READ_THEN_WRITE}:
 *       lost updates of the holder word show as a breach of exclusion or a lock that does not
 *       come to rest.
 *   <li>{@link KeyedStatefulProperties}, run against {@link BrokenKeyedLock}, passes with
 *       {@link BrokenKeyedLock.Bug#NONE} and sees {@link BrokenKeyedLock.Bug#DROP_WHILE_QUEUED}
 *       (a key's state dropped while a request still waits on it). Its
 *       {@link BrokenKeyedLock.Bug#SECOND_LIVE_STATE} is a race of two threads that behaves
 *       correctly on one, so it is not asked to.
 * </ul>
 */
@Tag("property")
final class PropertiesCatchPlantedBugsTest {

    /**
     * How long a grant may take in the concurrent property on the racy BrokenLock: a lost update
     * can leave the lock held by nobody, and each shrinking run that does so waits this long.
     */
    static final Duration RACY_LIVENESS = Duration.ofMillis(250);
    /** Shrinking runs on the racy BrokenLock: enough for a short lead, and bounded in time. */
    static final int RACY_SHRINK_CYCLES = 10;

    @Test
    void statefulProperty_correctBrokenLock_passes() {
        MultiLockStatefulProperties.check(() -> new BrokenLock(BrokenLock.Bug.NONE),
                "BrokenLock(NONE)", PbtConfig.seed(),
                PbtConfig.examples(MultiLockStatefulProperties.DEFAULT_EXAMPLES));
    }

    @ParameterizedTest
    @EnumSource(value = BrokenLock.Bug.class, names = {"BARGING", "LOST_WITHDRAWAL"})
    void statefulProperty_sequentiallyVisibleBug_fails(BrokenLock.Bug bug) {
        AssertionError e = assertThrows(AssertionError.class,
                () -> MultiLockStatefulProperties.check(() -> new BrokenLock(bug),
                        "BrokenLock(" + bug + ")", PbtConfig.seed(),
                        PbtConfig.examples(MultiLockStatefulProperties.DEFAULT_EXAMPLES)),
                () -> "the model-based property passed on BrokenLock(" + bug + "), which it must"
                        + " reject; " + PbtConfig.rerun(PbtConfig.seed()));
        assertFalsifiedByTheModel(e, bug);
    }

    /**
     * The calls that wait on a thread are checked against the model too: with no cancel,
     * time-out or completion from outside among the steps, every withdrawal is a {@code tryLock}
     * that times out, and a lost one must be caught; the correct BrokenLock, whose blocking calls
     * are TestedLock's defaults over its futures, must pass.
     */
    @Test
    void blockingOnlyProperty_correctBrokenLock_passes() {
        MultiLockStatefulProperties.check(() -> new BrokenLock(BrokenLock.Bug.NONE),
                "BrokenLock(NONE)", PbtConfig.seed(),
                PbtConfig.examples(MultiLockStatefulProperties.DEFAULT_BLOCKING_EXAMPLES),
                MultiLockStatefulProperties.blockingOnlyPrograms());
    }

    @Test
    void blockingOnlyProperty_lostWithdrawalOfTimedOutTryLock_fails() {
        BrokenLock.Bug bug = BrokenLock.Bug.LOST_WITHDRAWAL;
        AssertionError e = assertThrows(AssertionError.class,
                () -> MultiLockStatefulProperties.check(() -> new BrokenLock(bug),
                        "BrokenLock(" + bug + ")", PbtConfig.seed(),
                        PbtConfig.examples(MultiLockStatefulProperties.DEFAULT_BLOCKING_EXAMPLES),
                        MultiLockStatefulProperties.blockingOnlyPrograms()),
                () -> "the model-based property with blocking calls only passed on BrokenLock("
                        + bug + "), whose timed-out tryLock is never withdrawn; "
                        + PbtConfig.rerun(PbtConfig.seed()));
        assertFalsifiedByTheModel(e, bug);
    }

    @Test
    void concurrentProperty_correctBrokenLock_passes() {
        MultiLockConcurrentProperties.check(() -> new BrokenLock(BrokenLock.Bug.NONE),
                "BrokenLock(NONE)", PbtConfig.seed(),
                PbtConfig.examples(MultiLockConcurrentProperties.DEFAULT_EXAMPLES),
                MultiLockConcurrentProperties.LIVENESS,
                MultiLockConcurrentProperties.SHRINK_CYCLES);
    }

    @Test
    void concurrentProperty_racyReadThenWrite_fails() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> MultiLockConcurrentProperties.check(
                        () -> new BrokenLock(BrokenLock.Bug.RACY_READ_THEN_WRITE),
                        "BrokenLock(RACY_READ_THEN_WRITE)", PbtConfig.seed(),
                        PbtConfig.examples(MultiLockConcurrentProperties.DEFAULT_EXAMPLES),
                        RACY_LIVENESS, RACY_SHRINK_CYCLES),
                () -> "the concurrent property passed on BrokenLock(RACY_READ_THEN_WRITE), which"
                        + " it must reject; " + PbtConfig.rerun(PbtConfig.seed()));
        String m = String.valueOf(e.getMessage());
        assertTrue(m.contains("Property falsified") && m.contains("breach"),
                () -> "BrokenLock(RACY_READ_THEN_WRITE) failed the property, but not with a"
                        + " breach: " + m);
    }

    @Test
    void keyedStatefulProperty_correctBrokenKeyedLock_passes() {
        KeyedStatefulProperties.check(() -> new BrokenKeyedLock(BrokenKeyedLock.Bug.NONE),
                "BrokenKeyedLock(NONE)", PbtConfig.seed(),
                PbtConfig.examples(KeyedStatefulProperties.DEFAULT_EXAMPLES));
    }

    @Test
    void keyedStatefulProperty_dropWhileQueued_fails() {
        BrokenKeyedLock.Bug bug = BrokenKeyedLock.Bug.DROP_WHILE_QUEUED;
        AssertionError e = assertThrows(AssertionError.class,
                () -> KeyedStatefulProperties.check(() -> new BrokenKeyedLock(bug),
                        "BrokenKeyedLock(" + bug + ")", PbtConfig.seed(),
                        PbtConfig.examples(KeyedStatefulProperties.DEFAULT_EXAMPLES)),
                () -> "the keyed model-based property passed on BrokenKeyedLock(" + bug + "),"
                        + " which it must reject; " + PbtConfig.rerun(PbtConfig.seed()));
        assertFalsifiedByTheModel(e, "BrokenKeyedLock(" + bug + ")");
    }

    /** The failure must be QuickTheories' report of a disagreement with the model, not a crash. */
    private static void assertFalsifiedByTheModel(AssertionError e, BrokenLock.Bug bug) {
        assertFalsifiedByTheModel(e, "BrokenLock(" + bug + ")");
    }

    private static void assertFalsifiedByTheModel(AssertionError e, String lockName) {
        String m = String.valueOf(e.getMessage());
        assertTrue(m.contains("Property falsified") && m.contains(" rule"),
                () -> lockName + " failed the property, but not by disagreeing with the model: "
                        + m);
    }
}
