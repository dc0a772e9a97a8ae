package dev.multilock.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A row is flagged only when its forks and the baseline's do not overlap, on the worse side. */
final class BaselineTest {

    private static List<Result> run(String unit, double[]... forks) {
        return Result.fromJmh(ReportTest.parse("[" + ReportTest.rawResult(
                "UncontendedBenchmark.tryAcquireShared", "MULTILOCK", unit, 1, "", "", forks)
                + "]"));
    }

    private static boolean worse(List<Result> now, List<Result> before) {
        List<Baseline.Row> rows = Baseline.pair(now, before);
        assertEquals(1, rows.size());
        return rows.get(0).worseBeyondSpread();
    }

    @Test
    void time_allForksSlowerThanEveryBaselineFork_isWorse() {
        List<Result> before = run("ns/op", new double[] {10}, new double[] {12});
        List<Result> now = run("ns/op", new double[] {12.5}, new double[] {14});
        assertTrue(worse(now, before));
        String md = Baseline.markdown(now, before, "run A");
        assertTrue(md.contains("**1 of 1 rows are worse than before by more than their spread"),
                md);
        assertTrue(md.contains(
                "MULTILOCK, 1 threads | ns/op | 11.0 (10.0–12.0) | 13.3 (12.5–14.0) | 1.20 |"), md);
    }

    @Test
    void time_slowerMeanButOverlappingForks_isWithinSpread() {
        List<Result> before = run("ns/op", new double[] {10}, new double[] {12});
        List<Result> now = run("ns/op", new double[] {11.9}, new double[] {20});
        assertFalse(worse(now, before));
        assertTrue(Baseline.markdown(now, before, "run A")
                .contains("**No row is worse than before by more than its spread.**"));
    }

    @Test
    void time_faster_isNotWorse() {
        assertFalse(worse(run("ns/op", new double[] {5}, new double[] {6}),
                run("ns/op", new double[] {10}, new double[] {12})));
    }

    @Test
    void throughput_allForksBelowEveryBaselineFork_isWorse_andAboveIsNot() {
        List<Result> before = run("ops/s", new double[] {100}, new double[] {120});
        assertTrue(worse(run("ops/s", new double[] {90}, new double[] {99}), before));
        assertFalse(worse(run("ops/s", new double[] {130}, new double[] {150}), before));
        assertFalse(worse(run("ops/s", new double[] {90}, new double[] {101}), before));
    }

    @Test
    void pair_rowsOfOtherPointsOrUnits_areNotCompared() {
        List<Result> before = run("ns/op", new double[] {10});
        List<Result> other = Result.fromJmh(ReportTest.parse("[" + ReportTest.rawResult(
                "UncontendedBenchmark.tryAcquireExclusive", "MULTILOCK", "ns/op", 1, "", "",
                new double[][] {{50}}) + "]"));
        assertTrue(Baseline.pair(other, before).isEmpty());
        assertTrue(Baseline.pair(run("us/op", new double[] {10}), before).isEmpty());
    }
}
