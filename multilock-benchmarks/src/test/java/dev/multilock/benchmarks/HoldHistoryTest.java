package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.benchmarks.HoldHistory.Hold;
import java.util.List;
import org.junit.jupiter.api.Test;

final class HoldHistoryTest {

    /** A hold of process p on key k, granted at g and released at e (requested 5 before). */
    private static Hold hold(int p, int k, boolean exclusive, long g, long e) {
        return new Hold(p, 0, k, exclusive, g - 5, g, e, e + 1);
    }

    @Test
    void checkExclusion_overlappingShared_accepted() {
        assertDoesNotThrow(() -> HoldHistory.checkExclusion(List.of(
                hold(0, 0, false, 10, 50),
                hold(1, 0, false, 20, 30),
                hold(1, 0, false, 40, 60),
                hold(0, 0, true, 60, 70),   // granted as the last reader lets go
                hold(1, 0, false, 70, 80))));
    }

    @Test
    void checkExclusion_overlappingExclusive_rejected() {
        // the negative control: the check must catch two writers at once, in any order given
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HoldHistory.checkExclusion(List.of(
                        hold(1, 3, true, 25, 40),
                        hold(0, 3, true, 10, 30))));
        assertTrue(e.getMessage().contains("exclusion broken on key 3"), e.getMessage());
    }

    @Test
    void checkExclusion_sharedDuringExclusive_rejected() {
        assertThrows(IllegalStateException.class, () -> HoldHistory.checkExclusion(List.of(
                hold(0, 0, true, 10, 30),
                hold(1, 0, false, 29, 35))));
    }

    @Test
    void checkExclusion_exclusiveWhileAnEarlierReaderStillHolds_rejected() {
        // the reader granted first releases last: the writer overlaps it, not the later reader
        assertThrows(IllegalStateException.class, () -> HoldHistory.checkExclusion(List.of(
                hold(0, 0, false, 10, 100),
                hold(1, 0, false, 20, 30),
                hold(1, 0, true, 40, 50))));
    }

    @Test
    void checkExclusion_differentKeys_neverConflict() {
        assertDoesNotThrow(() -> HoldHistory.checkExclusion(List.of(
                hold(0, 0, true, 10, 30),
                hold(1, 1, true, 10, 30))));
    }

    @Test
    void checkExclusion_requestNeverGranted_skipped() {
        Hold timedOut = new Hold(1, 0, 0, true, 5, HoldHistory.NOT_GRANTED, 50, 50);
        assertDoesNotThrow(() -> HoldHistory.checkExclusion(List.of(
                hold(0, 0, false, 10, 60), timedOut)));
    }

    @Test
    void waits_includeATimedOutRequestUpToItsTimeout() {
        Hold timedOut = new Hold(1, 0, 0, true, 5, HoldHistory.NOT_GRANTED, 905, 905);
        assertArrayEquals(new long[] {5, 900},
                HoldHistory.waits(List.of(timedOut, hold(0, 0, true, 10, 20))));
    }

    @Test
    void pairTimes_fromCallToEndOfRelease() {
        assertArrayEquals(new long[] {16, 26},
                HoldHistory.pairTimes(List.of(hold(0, 0, true, 30, 50), hold(0, 0, true, 10,
                        20))));
    }

    @Test
    void acquisitions_keepOnlyGrantedExclusive() {
        List<HandoffHistory.Acquisition> a = HoldHistory.acquisitions(List.of(
                hold(0, 0, true, 10, 20), hold(1, 0, false, 30, 40),
                new Hold(1, 0, 0, true, 5, HoldHistory.NOT_GRANTED, 50, 50)));
        assertEquals(1, a.size());
        assertEquals(10, a.get(0).granted());
    }
}
