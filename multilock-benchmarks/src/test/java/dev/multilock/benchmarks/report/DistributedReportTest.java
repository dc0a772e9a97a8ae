package dev.multilock.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.multilock.benchmarks.report.DistributedReport.Run;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class DistributedReportTest {

    @Test
    void ratios_orientedSoThatMoreThanOneMeansMultilockBetter() {
        // throughput: ours over theirs; time: theirs over ours
        assertArrayEquals(new double[] {2.0, 0.5},
                DistributedReport.ratios(new double[] {200, 50}, new double[] {100, 100}, true),
                1e-12);
        assertArrayEquals(new double[] {2.0, 0.5},
                DistributedReport.ratios(new double[] {50, 200}, new double[] {100, 100}, false),
                1e-12);
        assertThrows(IllegalArgumentException.class, () -> DistributedReport.ratios(
                new double[] {1, 2}, new double[] {1}, true));
    }

    @Test
    void bestPeer_byMean_andByDirection() {
        Map<String, double[]> peers = new LinkedHashMap<>();
        peers.put("REDISSON", new double[] {100, 300});  // mean 200
        peers.put("CURATOR", new double[] {150, 150});   // mean 150
        assertEquals("REDISSON", DistributedReport.bestPeer(peers, true));
        assertEquals("CURATOR", DistributedReport.bestPeer(peers, false));
        assertEquals(null, DistributedReport.bestPeer(Map.of(), true));
    }

    @Test
    void roundsMet_countsRatiosOfAtLeastOne() {
        assertEquals(2, DistributedReport.roundsMet(new double[] {1.0, 0.99, 3}));
    }

    @Test
    void onlyOursPasses_needsOursInEveryRoundAndNoPeerInEveryRound() {
        Map<String, boolean[]> p = new LinkedHashMap<>();
        p.put("MULTILOCK", new boolean[] {true, true});
        p.put("REDISSON", new boolean[] {false, false});
        p.put("CURATOR", new boolean[] {true, false});
        assertTrue(DistributedReport.onlyOursPasses(p), "a peer that fails once does not pass");
        p.put("CURATOR", new boolean[] {true, true});
        assertFalse(DistributedReport.onlyOursPasses(p), "a peer passes too");
        p.put("CURATOR", new boolean[] {false, false});
        p.put("MULTILOCK", new boolean[] {true, false});
        assertFalse(DistributedReport.onlyOursPasses(p), "ours failed a round");
    }

    @Test
    void cell_meanThenMinMax() {
        assertEquals("20.0 (10.0–30.0)", DistributedReport.cell(new double[] {10, 20, 30}));
        assertEquals("5.00", DistributedReport.cell(new double[] {5}));
        assertEquals("n/a", DistributedReport.cell(new double[] {}));
    }

    /** A throughput run with one figure in each of its four windows. */
    private static Run throughput(String contender, int round, double pairsPerSecond) {
        ObjectNode j = Report.JSON.createObjectNode();
        j.put("scenario", "throughput");
        for (int i = 0; i < 4; i++) {
            j.withArray("phases").addObject().put("pairsPerSecond", pairsPerSecond);
        }
        return new Run("throughput", contender, round, j);
    }

    @Test
    void markdown_ratioTargetMetOnlyWhenEveryRoundMeetsIt() {
        List<Run> runs = new ArrayList<>();
        runs.add(throughput("MULTILOCK", 1, 300));
        runs.add(throughput("MULTILOCK", 2, 90));
        runs.add(throughput("REDISSON", 1, 100));
        runs.add(throughput("REDISSON", 2, 100));
        runs.add(throughput("CURATOR", 1, 10));
        runs.add(throughput("CURATOR", 2, 10));
        String md = DistributedReport.markdown(runs, "t", null, null);
        // mean 195 over mean 100, rounds 3.0 and 0.9: one of two rounds
        assertTrue(md.contains("| 2 | throughput 90:10, one key: multilock ≥ 1.0× the best peer"
                + " (Redisson) | ×1.95 (0.90–3.00) | **no** (1 of 2 rounds) |"), md);
    }
}
