package dev.multilock.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ReportTest {

    private static String result(String method, String contender, double score, String unit,
            int threads, String params) {
        return "{\"benchmark\" : \"dev.multilock.benchmarks." + method + "\", \"mode\" : \""
                + (unit.equals("ops/s") ? "thrpt" : "avgt") + "\", \"threads\" : " + threads
                + ", \"params\" : {\"contender\" : \"" + contender + "\"" + params + "},"
                + " \"primaryMetric\" : {\"score\" : " + score + ", \"scoreError\" : \"NaN\","
                + " \"scoreUnit\" : \"" + unit + "\"},"
                + " \"secondaryMetrics\" : {\"gc.alloc.rate.norm\" : {\"score\" : 24.0,"
                + " \"scoreError\" : \"NaN\", \"scoreUnit\" : \"B/op\"}}}";
    }

    @Test
    void parse_jmhJson_readsScoresParamsAndSecondaryMetrics() {
        String json = "[" + result("ContentionBenchmark.acquireRelease", "MULTILOCK", 150.0,
                "ns/op", 2, ", \"mix\" : \"90:10\"") + "]";
        List<Result> results = Result.fromJmh(Json.parse(json));
        assertEquals(1, results.size());
        Result r = results.get(0);
        assertEquals("ContentionBenchmark", r.scenario());
        assertEquals("acquireRelease", r.method());
        assertEquals("MULTILOCK", r.contender());
        assertEquals(Map.of("mix", "90:10"), r.params());
        assertEquals(150.0, r.primary().score());
        assertTrue(Double.isNaN(r.primary().error()));
        assertEquals(24.0, r.secondary().get("gc.alloc.rate.norm").score());
        assertEquals(1e9 / 150.0, r.primary().opsPerSecond(), 1e-3);
    }

    @Test
    void markdown_targets_reportRatiosMetOrNot() {
        String json = "[" + String.join(",",
                result("UncontendedBenchmark.tryAcquireShared", "MULTILOCK", 10, "ns/op", 1, ""),
                result("UncontendedBenchmark.tryAcquireShared", "RRWL_NONFAIR", 20, "ns/op", 1,
                        ""),
                result("ContentionBenchmark.acquireRelease", "MULTILOCK", 300, "ns/op", 2,
                        ", \"mix\" : \"90:10\""),
                result("ContentionBenchmark.acquireRelease", "RRWL_NONFAIR", 100, "ns/op", 2,
                        ", \"mix\" : \"90:10\""))
                + "]";
        String md = Report.markdown(Result.fromJmh(Json.parse(json)), "t", "machine", null,
                null);
        assertTrue(md.contains("| 1 | `tryAcquireShared`: multilock ns/op ≤ 1.0× RRWL `tryLock`"
                + "/`unlock` | 0.50× | yes |"), md);
        assertTrue(md.contains("| 2 | 90:10, 2 threads: multilock ns/op ≤ 1.5× RRWL | 3.00× |"
                + " **no** |"), md);
        assertTrue(md.contains("20.0 (×2.00)"), "contender cell with its ratio: " + md);
    }

    @Test
    void mergeArrays_skipsEmptyArrays() {
        String merged = Report.mergeArrays(List.of("[ {\"a\" : 1} ]", "[]", "[{\"b\" : 2}]"));
        assertEquals(2, ((List<?>) Json.parse(merged)).size());
    }
}
