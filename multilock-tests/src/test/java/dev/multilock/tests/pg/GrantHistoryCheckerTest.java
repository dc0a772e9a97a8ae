package dev.multilock.tests.pg;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.MultiLockType;
import dev.multilock.tests.pg.GrantHistoryChecker.Grant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link GrantHistoryChecker} on hand-made histories: silent on a correct one, and each check
 * catches the breach it is for, naming the invariant, the key and both grants; the negative
 * controls of {@code MultiProcessLockTest}'s checks.
 */
final class GrantHistoryCheckerTest {

    private static final long BOUND = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Set<String> P1_P2 = Set.of("p1", "p2");

    /** A grant with times in milliseconds. */
    private static Grant g(String process, MultiLockType mode, long requested, long entered,
            long exited, long token) {
        return new Grant(process, "k", mode, ms(requested), ms(entered), ms(exited), token);
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * Two processes on one key: hand-offs inside p1, readers of both beside each other, a NONE
     * grant between writers, a NONE overtaken by a writer before it entered, touching intervals.
     */
    private static List<Grant> correct() {
        return List.of(
                g("p1", EXCLUSIVE, 0, 1, 5, 10),
                g("p1", EXCLUSIVE, 2, 5, 9, 11), // a hand-off, touching the one before
                g("p2", EXCLUSIVE, 3, 10, 14, 20),
                g("p1", SHARED, 11, 15, 30, 20),
                g("p2", SHARED, 12, 16, 25, 20),
                g("p2", NONE, 13, 17, 40, 20), // holds nothing: overlaps the next writer
                g("p1", EXCLUSIVE, 14, 31, 35, 30),
                g("p2", NONE, 32, 36, 37, 30),
                // granted at 36 with token 30, overtaken by the writer below before it entered
                g("p1", NONE, 36, 39, 39, 30),
                g("p2", EXCLUSIVE, 37, 37, 38, 31));
    }

    @Test
    void violations_correctHistory_none() {
        assertEquals(List.of(), new GrantHistoryChecker(correct()).violations(P1_P2, BOUND));
    }

    @Test
    void exclusion_exclusiveOverlapsAcrossProcesses_namesInvariantKeyAndBothIntervals() {
        List<Grant> h = new ArrayList<>(correct());
        h.add(g("p2", EXCLUSIVE, 40, 41, 50, 40));
        h.add(g("p1", EXCLUSIVE, 40, 45, 46, 41));
        List<String> v = new GrantHistoryChecker(h).exclusion();
        assertEquals(List.of("exclusion (P1) on key k: p2's EXCLUSIVE [41.000, 50.000] ms"
                + " (requested at 40.000, token 40) overlaps p1's EXCLUSIVE [45.000, 46.000] ms"
                + " (requested at 40.000, token 41)"), v);
    }

    @Test
    void exclusion_sharedInsideExclusiveOfSameProcess_reported() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 10, 1), g("p1", SHARED, 0, 9, 12, 1));
        List<String> v = new GrantHistoryChecker(h).exclusion();
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("p1's EXCLUSIVE [1.000, 10.000]")
                && v.get(0).contains("p1's SHARED [9.000, 12.000]"), v.get(0));
    }

    @Test
    void exclusion_sharedOverlapsShared_notReported() {
        List<Grant> h = List.of(g("p1", SHARED, 0, 1, 10, 0), g("p2", SHARED, 0, 2, 5, 0));
        assertEquals(List.of(), new GrantHistoryChecker(h).exclusion());
    }

    @Test
    void exclusion_noneGrantedWhileExclusiveHeldThroughoutItsWait_reported() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 10, 1), g("p2", NONE, 2, 3, 4, 0));
        List<String> v = new GrantHistoryChecker(h).exclusion();
        assertEquals(List.of("exclusion (P1) on key k: p2's NONE [3.000, 4.000] ms (requested at"
                + " 2.000, token 0) was granted while p1's EXCLUSIVE [1.000, 10.000] ms"
                + " (requested at 0.000, token 1) held it throughout its wait"), v);
    }

    @Test
    void fencing_exclusiveTokensNotIncreasingInOrderOfEntry_reported() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 2, 7), g("p2", EXCLUSIVE, 0, 3, 4, 7));
        List<String> v = new GrantHistoryChecker(h).fencing();
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).startsWith("fencing (P6) on key k: EXCLUSIVE tokens do not increase"),
                v.get(0));
        assertTrue(v.get(0).contains("p1's EXCLUSIVE [1.000, 2.000]")
                && v.get(0).contains("p2's EXCLUSIVE [3.000, 4.000]"), v.get(0));
    }

    @Test
    void fencing_sharedTokenBelowEarlierExclusive_reported() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 2, 7), g("p2", SHARED, 0, 3, 4, 6));
        List<String> v = new GrantHistoryChecker(h).fencing();
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("p2's SHARED [3.000, 4.000] ms (requested at 0.000, token 6)"
                + " carries a token below that of the earlier p1's EXCLUSIVE"), v.get(0));
    }

    @Test
    void fencing_sharedTokenNotBelowLaterExclusive_reported() {
        List<Grant> h = List.of(g("p2", SHARED, 0, 1, 2, 7), g("p1", EXCLUSIVE, 0, 3, 4, 7));
        List<String> v = new GrantHistoryChecker(h).fencing();
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("carries a token not below that of the later p1's"
                + " EXCLUSIVE [3.000, 4.000]"), v.get(0));
    }

    @Test
    void fencing_noneTokenBelowExclusiveThatEnteredBeforeItsRequest_reported() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 2, 7), g("p2", NONE, 3, 4, 4, 6));
        List<String> v = new GrantHistoryChecker(h).fencing();
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("p2's NONE [4.000, 4.000]"), v.get(0));
    }

    @Test
    void progress_processWithoutExclusiveGrant_reported() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 2, 7), g("p2", SHARED, 0, 3, 4, 7));
        assertEquals(List.of("progress (P2) on key k: p2 got no EXCLUSIVE grant"),
                new GrantHistoryChecker(h).progress(P1_P2, BOUND));
    }

    @Test
    void progress_waitOverBound_reportedWithTheWait() {
        List<Grant> h = List.of(g("p1", EXCLUSIVE, 0, 1, 2, 7), g("p2", EXCLUSIVE, 0, 101, 102, 8));
        assertEquals(List.of("progress (P2) on key k: p2's EXCLUSIVE [101.000, 102.000] ms"
                + " (requested at 0.000, token 8) waited 101.000 ms, more than the bound of"
                + " 100.000 ms"), new GrantHistoryChecker(h).progress(P1_P2, BOUND));
    }

    @Test
    void exclusion_manyOverlaps_reportsTheFirstAndCountsTheRest() {
        List<Grant> h = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            h.add(g("p1", EXCLUSIVE, 0, 1, 100, i));
        }
        List<String> v = new GrantHistoryChecker(h).exclusion();
        int pairs = 30 * 29 / 2;
        assertEquals(GrantHistoryChecker.MAX_REPORTED + 1, v.size());
        assertEquals("... and " + (pairs - GrantHistoryChecker.MAX_REPORTED) + " more",
                v.get(v.size() - 1));
    }

    @Test
    void parse_lineOfAGrant_roundTrips() {
        Grant grant = new Grant("p3", "a", SHARED, 1, 2, 3, 65536);
        assertEquals("G a SHARED 1 2 3 65536", grant.line());
        assertEquals(grant, Grant.parse("p3", grant.line()));
        assertThrows(IllegalArgumentException.class, () -> Grant.parse("p3", "F a SHARED 1 2"));
    }
}
