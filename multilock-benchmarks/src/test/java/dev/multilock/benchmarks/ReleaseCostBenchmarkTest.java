package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import org.junit.jupiter.api.Test;

/**
 * The cost model's methods run back to back (each leaves its word free, or the next call
 * throws) and give a new object per call, as the lock whose cost they model does.
 */
final class ReleaseCostBenchmarkTest {

    @Test
    void everyModel_runsBackToBack_andAllocatesPerCall() {
        ReleaseCostBenchmark b = new ReleaseCostBenchmark();
        for (int i = 0; i < 1_000; i++) {
            assertNotSame(b.modelThreeAtomics(), b.modelThreeAtomics());
            assertNotSame(b.modelTwoAtomics(), b.modelTwoAtomics());
            assertNotSame(b.modelCasAndStore(), b.modelCasAndStore());
            assertTrue(b.rrwlWrite());
        }
    }

    @Test
    void modelTwoAtomics_stampsEachHold_andMarksItsTokenReleased() {
        ReleaseCostBenchmark b = new ReleaseCostBenchmark();
        var first = (ReleaseCostBenchmark.Token) b.modelTwoAtomics();
        var second = (ReleaseCostBenchmark.Token) b.modelTwoAtomics();
        assertEquals(first.stamp + 1, second.stamp);
        assertEquals(1, first.mode);
        assertEquals(1, second.mode);
    }

    @Test
    void multilock_releasesEachHandle() {
        ReleaseCostBenchmark b = new ReleaseCostBenchmark();
        Handle h = (Handle) b.multilock();
        assertFalse(h.isHeld());
        assertNotSame(h, b.multilock());
    }
}
