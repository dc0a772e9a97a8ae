package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.benchmarks.DistributedScenarios.Fairness;
import dev.multilock.benchmarks.DistributedScenarios.Stall;
import dev.multilock.benchmarks.HoldHistory.Hold;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verdicts of scenarios 4 and 6 of {@link DistributedScenarios}. */
final class DistributedVerdictsTest {

    private static final long MS = 1_000_000;

    /** Writer requests that each waited {@code waitMs}, granted. */
    private static List<Hold> writes(long... waitMs) {
        List<Hold> h = new ArrayList<>();
        long t = 0;
        for (long w : waitMs) {
            h.add(new Hold(3, 0, 0, true, t, t + w * MS, t + w * MS + MS, t + w * MS + MS));
            t += 1000 * MS;
        }
        return h;
    }

    @Test
    void fairness_shortWaits_pass() {
        Fairness f = Fairness.of(writes(10, 20, 30, 40), 20);
        assertTrue(f.pass());
        assertEquals(4, f.grants());
        assertEquals(40, f.maxMillis(), 1e-9);
    }

    @Test
    void fairness_aWaitOverTenHolds_fails() {
        assertFalse(Fairness.of(writes(10, 201), 20).pass(), "201 ms > 10 x 20 ms");
    }

    @Test
    void fairness_noWriterRequestGranted_fails() {
        Hold starved = new Hold(3, 0, 0, true, 0, HoldHistory.NOT_GRANTED, 7000 * MS,
                7000 * MS);
        Fairness f = Fairness.of(List.of(starved), 20);
        assertFalse(f.pass());
        assertEquals(0, f.grants());
        assertEquals(1, f.requests());
        assertEquals(7000, f.maxMillis(), 1e-9, "the starved wait counts to its time-out");
    }

    @Test
    void fairness_noRequestAtAll_fails() {
        assertFalse(Fairness.of(List.of(), 20).pass());
    }

    @Test
    void stall_verdicts() {
        assertEquals(Stall.EXCLUSION_KEPT, Stall.of(false, true, true));
        assertEquals(Stall.FENCED, Stall.of(true, true, false));
        assertEquals(Stall.STALE_WRITE_ACCEPTED, Stall.of(true, false, true),
                "a check that saw the loss does not make the write that followed it safe");
        assertTrue(Stall.FENCED.safe());
        assertFalse(Stall.STALE_WRITE_ACCEPTED.safe());
    }

    @Test
    void curatorSequence_lastTenDigits() {
        assertEquals(42, CuratorDistLocks.sequence("_c_1f-__WRIT__0000000042"));
    }
}
