package dev.multilock.tests;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Bugs of a backend that the behaviour suites found, that are reported and not yet fixed. A test
 * that one of them breaks says so with {@link #skipsOn(Backend)} as its first line: on that
 * backend it is skipped, with the bug in the reason; its assertions stay as they are, so that
 * the fix is proved by deleting the constant here.
 *
 * <p>{@code -Dmultilock.knownBugs=run} runs those tests anyway, to see them fail (surefire
 * passes the property to the test JVM):
 * {@code mvn -B verify -pl multilock-tests -am -Dtest='PostgresBackendTest*'
 * -Dmultilock.knownBugs=run}.
 */
enum KnownBug {

    /**
     * PostgreSQL: {@code tryAcquire} returns empty while this process's downgrade of its server
     * lock is in flight, though nothing holds the lock and nobody waits (an EXCLUSIVE handle was
     * downgraded and released, and the last SHARED holder left): rule 2 ("a new request succeeds
     * at once if and only if nobody is waiting and the holders allow it") and P8. The hold is
     * HELD with {@code downgrading} set until the server's answer: {@code ServerHold.tryCover}
     * finds it neither {@code grantable} (the effective mode is SHARED) nor {@code joinable}
     * (HELD is not IDLE, RELEASING or ACQUIRING), so it refuses; f8d476f made a try wait for a
     * release in flight, not for a downgrade in flight.
     */
    TRY_REFUSED_WHILE_DOWNGRADING(Backend.POSTGRES),

    /**
     * PostgreSQL: an acquisition that takes the server lock sets a watch of a mode it leaves
     * acquirable (a watch of SHARED, cleared by its user, is set again by a {@code tryAcquire} or
     * {@code acquire} of SHARED), though API.md sets a watch only "after every release,
     * withdrawal or downgrade that leaves {@code type} acquirable". {@code ServerHold.acquired}
     * ends with {@code evaluate(w, true)} for every watch, as if the grant of the server lock
     * were a release.
     */
    WATCH_SET_BY_SERVER_ACQUISITION(Backend.POSTGRES),

    /**
     * PostgreSQL: {@code toString()} shows the mode and the queue length but no holder count
     * ({@code "PostgresLock(ns/key)[SHARED, queued=0][server: ...]"}), where API.md's table has
     * {@code toString} give "state, holder count and queue length". The suites read the holder
     * count of a leaf from it (MultiLockSetTest); on PostgreSQL that check is left out.
     */
    TOSTRING_WITHOUT_HOLDER_COUNT(Backend.POSTGRES);

    /** The system property that runs the tests of known bugs anyway. */
    static final String RUN_PROPERTY = "multilock.knownBugs";

    private final Backend backend;

    KnownBug(Backend backend) {
        this.backend = backend;
    }

    /** Skips the calling test if it runs on the backend that has this bug (see the class). */
    void skipsOn(Backend current) {
        assumeFalse(affects(current), () -> "known bug " + name() + " of " + backend
                + " (see KnownBug; -D" + RUN_PROPERTY + "=run runs this test anyway)");
    }

    /**
     * Whether this bug breaks {@code current}, for a test that leaves out one check on it rather
     * than the whole test (and says so where it does); false with {@code -D}{@value
     * #RUN_PROPERTY}{@code =run}.
     */
    boolean affects(Backend current) {
        return current == backend && !"run".equals(System.getProperty(RUN_PROPERTY));
    }
}
