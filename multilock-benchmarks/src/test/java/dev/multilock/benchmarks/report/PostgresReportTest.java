package dev.multilock.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class PostgresReportTest {

    /** A JMH result of PostgresBenchmark with one score per fork (one iteration each). */
    private static String jmh(String method, String contender, int threads, String unit,
            double... forks) {
        StringBuilder raw = new StringBuilder();
        double sum = 0;
        for (double f : forks) {
            raw.append(raw.length() == 0 ? "" : ",").append("[").append(f).append("]");
            sum += f;
        }
        return "{\"benchmark\" : \"dev.multilock.benchmarks.PostgresBenchmark." + method
                + "\", \"mode\" : \"" + (unit.equals("ops/s") ? "thrpt" : "avgt")
                + "\", \"threads\" : " + threads + ", \"params\" : {\"contender\" : \""
                + contender + "\"}, \"primaryMetric\" : {\"score\" : " + sum / forks.length
                + ", \"scoreError\" : \"NaN\", \"scoreUnit\" : \"" + unit + "\", \"rawData\" : ["
                + raw + "]}, \"secondaryMetrics\" : {}}";
    }

    private static PostgresReport.Cross cross(String contender, int round, double perSecond,
            double p50) {
        String json = "{\"benchmark\" : \"CrossProcessHandoff\", \"contender\" : \"" + contender
                + "\", \"processes\" : 2, \"threadsPerProcess\" : 1, \"round\" : " + round
                + ", \"acquisitionsPerSecond\" : " + perSecond + ", \"perProcess\" : [10, 12],"
                + " \"crossHandoffsPerSecond\" : 100, \"crossLatencyMicros\" : {\"count\" : 5,"
                + " \"p50\" : " + p50 + ", \"p90\" : 1, \"p99\" : 2, \"max\" : 3},"
                + " \"localLatencyMicros\" : {\"count\" : 0}, \"waitMicros\" : {\"count\" : 5,"
                + " \"p50\" : 4, \"p99\" : 8}, \"longestRun\" : 3, \"longestWaitMillis\" : 1.5,"
                + " \"tokensChecked\" : true}";
        try {
            return PostgresReport.Cross.of(Report.JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new AssertionError(json, e);
        }
    }

    private static List<Result> results(String... items) {
        try {
            return Result.fromJmh(Report.JSON.readTree("[" + String.join(",", items) + "]"));
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void markdown_handoffThroughput_ratioIsJdbcTimeOverMultilockPerFork() {
        // multilock 100k and 50k acquisitions/s (10 and 20 µs), JDBC 10k both forks (100 µs)
        List<Result> r = results(
                jmh("handoff", "MULTILOCK", 4, "ops/s", 100_000, 50_000),
                jmh("handoff", "JDBC", 4, "ops/s", 10_000, 10_000));
        String md = PostgresReport.markdown(r, List.of(), "t", null);
        assertTrue(md.contains("| hand-off inside one process, 4 threads, one key, multilock"
                + " `acquire().join()` | 13.3 | 100 | ×7.50 (5.00–10) |"), md);
    }

    @Test
    void markdown_freshKey_multilockSlower_ratioBelowOne() {
        List<Result> r = results(
                jmh("freshKeyTry", "MULTILOCK", 1, "ns/op", 200_000),
                jmh("freshKeyTry", "JDBC", 1, "ns/op", 50_000));
        String md = PostgresReport.markdown(r, List.of(), "t", null);
        assertTrue(md.contains("not waiting (`pg_try_advisory_lock`), multilock `tryAcquire()`"
                + " | 200 | 50.0 | ×0.25 |"), md);
    }

    @Test
    void markdown_crossProcess_ratiosRoundByRound() {
        List<PostgresReport.Cross> c = new ArrayList<>(List.of(
                cross("MULTILOCK", 1, 2000, 400), cross("MULTILOCK", 2, 4000, 200),
                cross("JDBC", 2, 2000, 100), cross("JDBC", 1, 1000, 100)));
        String md = PostgresReport.markdown(List.of(), c, "t", null);
        // throughput: rounds 1 and 2 give 2000/1000 and 4000/2000, both 2
        assertTrue(md.contains("| across 2 processes × 1 thread: acquisitions per second | 3000"
                + " | 1500 | ×2.00 (2.00–2.00) |"), md);
        // hand-off latency: JDBC over multilock, 100/400 and 100/200
        assertTrue(md.contains("hand-off to the other process, p50 µs | 300 | 100 |"
                + " ×0.33 (0.25–0.50) |"), md);
        assertTrue(md.contains("| MULTILOCK | 2 × 1 | 2 | 3000 (2000–4000) | 10.0 / 12.0 |"),
                md);
    }

    @Test
    void ratioCell_unequalCounts_everyPair() {
        assertEquals("×1.80 (1.00–4.00)",
                PostgresReport.ratioCell(new double[] {2, 4}, new double[] {1, 2, 2}));
    }

    @Test
    void splice_postgresMarkers_replacesBetweenThem() {
        String readme = "a\n<!-- run.sh: postgres results begin -->\nold\n"
                + "<!-- run.sh: postgres results end -->\nb\n";
        String spliced = Report.splice(readme, "new", "postgres");
        assertTrue(spliced.contains("begin -->\n\nnew\n\n<!-- run.sh: postgres results end"),
                spliced);
    }
}
