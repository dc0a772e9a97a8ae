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
     * PostgreSQL: {@code tryAcquire} returns empty while this process lets go of its server lock
     * of the key (the hold is RELEASING after the last local holder left, or after a NONE grant,
     * which holds nothing), though nothing holds the lock and nobody waits: rule 2 ("a new
     * request succeeds at once if and only if nobody is waiting and the holders allow it") and
     * P8. {@code ServerHold.tryCover} refuses in every phase but HELD (covered) and IDLE (try on
     * the server); in RELEASING (and ACQUIRING for another request of a compatible mode) it
     * could instead keep the try until the phase settles, then decide it.
     */
    TRY_REFUSED_WHILE_RELEASING(Backend.POSTGRES),

    /**
     * PostgreSQL: an EXCLUSIVE request queued behind this process's SHARED server lock fails with
     * a {@code PostgresLockException} ("relation multilock_fencing does not exist") when no
     * EXCLUSIVE lock was taken on the database before, instead of being granted once the SHARED
     * holders leave. In {@code ServerHold.advance} (phase HELD), {@code needsTokens(next.type)}
     * is tested before the mode: under a SHARED hold {@code nextToken > tokenCeiling}, so it
     * reserves fencing tokens ({@code reserveTokens}) under a SHARED lock, on a table that only
     * an EXCLUSIVE acquisition creates; the failure goes to {@code releaseAfterFailure}, which
     * fails every pending request. Where the table exists, the same path costs a wasted round
     * trip and a block of tokens. The suites' database has the table (see PostgresBackend);
     * {@code PostgresBackendTest} shows the bug on a fresh one.
     */
    EXCLUSIVE_BEHIND_SHARED_FAILS(Backend.POSTGRES),

    /**
     * PostgreSQL: an acquisition that takes the server lock sets a watch of a mode it leaves
     * acquirable (a watch of SHARED, cleared by its user, is set again by a {@code tryAcquire} or
     * {@code acquire} of SHARED), though API.md sets a watch only "after every release,
     * withdrawal or downgrade that leaves {@code type} acquirable". {@code ServerHold.acquired}
     * ends with {@code evaluate(w, true)} for every watch, as if the grant of the server lock
     * were a release.
     */
    WATCH_SET_BY_SERVER_ACQUISITION(Backend.POSTGRES);

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
