package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.benchmarks.HandoffHistory.Acquisition;
import dev.multilock.benchmarks.HandoffHistory.Figures;
import java.util.List;
import org.junit.jupiter.api.Test;

final class HandoffHistoryTest {

    /** An acquisition of process p, thread 0, requested at r, granted at g, released at e. */
    private static Acquisition a(int p, long r, long g, long e, long token) {
        return new Acquisition(p, 0, r, g, e, token);
    }

    @Test
    void analyse_twoProcessesOutOfOrder_mergesInGrantOrderAndSplitsHandoffs() {
        // grants: p0 at 10, p0 at 30, p1 at 50, p0 at 80 (given in another order)
        List<Acquisition> recorded = List.of(
                a(1, 20, 50, 60, 3),
                a(0, 0, 10, 20, 1),
                a(0, 70, 80, 90, 4),
                a(0, 25, 30, 40, 2));
        Figures f = HandoffHistory.analyse(2, 0, 100, recorded);
        assertArrayEquals(new long[] {3, 1}, f.perProcess());
        assertEquals(4, f.acquisitions());
        assertEquals(2, f.crossHandoffs(), "p0 -> p1 and p1 -> p0");
        assertArrayEquals(new long[] {10, 20}, f.crossLatencies(), "50 - 40 and 80 - 60");
        assertEquals(1, f.localHandoffs());
        assertArrayEquals(new long[] {10}, f.localLatencies(), "30 - 20");
        assertArrayEquals(new long[] {5, 10, 10, 30}, f.waits());
        assertEquals(2, f.longestRun());
        assertEquals(50, f.longestWaitNanos(), "p1: from the window's start (0) to 50");
        assertTrue(f.tokensChecked());
        assertEquals(4e7, f.acquisitionsPerSecond(), 1e-3);
    }

    @Test
    void analyse_overlappingAcquisitions_throwsExclusionBroken() {
        List<Acquisition> recorded = List.of(a(0, 0, 10, 30, 1), a(1, 5, 20, 40, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HandoffHistory.analyse(2, 0, 100, recorded));
        assertTrue(e.getMessage().startsWith("exclusion broken"), e.getMessage());
    }

    @Test
    void analyse_tokensOutOfGrantOrder_throws() {
        List<Acquisition> recorded = List.of(a(0, 0, 10, 20, 5), a(1, 5, 30, 40, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HandoffHistory.analyse(2, 0, 100, recorded));
        assertTrue(e.getMessage().startsWith("fencing tokens out of grant order"),
                e.getMessage());
    }

    @Test
    void analyse_noTokens_checksNoOrder() {
        List<Acquisition> recorded = List.of(
                a(0, 0, 10, 20, PgLocks.NO_TOKEN), a(1, 5, 30, 40, PgLocks.NO_TOKEN));
        assertFalse(HandoffHistory.analyse(2, 0, 100, recorded).tokensChecked());
    }

    @Test
    void analyse_processWithoutAcquisition_throwsStarved() {
        List<Acquisition> recorded = List.of(a(0, 0, 10, 20, 1), a(0, 20, 30, 40, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HandoffHistory.analyse(2, 0, 100, recorded));
        assertTrue(e.getMessage().contains("process 1 made no acquisition"), e.getMessage());
    }

    @Test
    void quantile_nearestRank() {
        long[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, HandoffHistory.quantile(v, 0.5));
        assertEquals(9, HandoffHistory.quantile(v, 0.9));
        assertEquals(10, HandoffHistory.quantile(v, 0.99));
        assertTrue(Double.isNaN(HandoffHistory.quantile(new long[0], 0.5)));
    }

    @Test
    void url_propertyUnset_namesRunSh() {
        String before = System.getProperty(PgServer.URL_PROPERTY);
        System.clearProperty(PgServer.URL_PROPERTY);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, PgServer::url);
            assertTrue(e.getMessage().contains("run.sh"), e.getMessage());
        } finally {
            if (before != null) {
                System.setProperty(PgServer.URL_PROPERTY, before);
            }
        }
    }
}
