package dev.multilock.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ReportTest {

    static JsonNode parse(String json) {
        try {
            return Report.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

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
        List<Result> results = Result.fromJmh(parse(json));
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
        String md = Report.markdown(Result.fromJmh(parse(json)), "t", "machine", null,
                null);
        assertTrue(md.contains("| 1 | `tryAcquireShared`: multilock ns/op ≤ 1.0× RRWL `tryLock`"
                + "/`unlock` | 0.50× | yes |"), md);
        assertTrue(md.contains("| 2 | 90:10, 2 threads: multilock ns/op ≤ 1.5× RRWL | 3.00× |"
                + " **no** |"), md);
        assertTrue(md.contains("20.0 (×2.00)"), "contender cell with its ratio: " + md);
    }

    @Test
    void markdown_keyedTargets_reportRatiosAndOnlyTheKeyedTable() {
        String keys16 = ", \"keys\" : \"16\", \"mix\" : \"90:10\"";
        String json = "[" + String.join(",",
                result("KeyedBenchmark.freshKeyShared", "MULTILOCK", 100, "ns/op", 1, ""),
                result("KeyedBenchmark.freshKeyShared", "ASYNCUTIL", 200, "ns/op", 1, ""),
                result("KeyedBenchmark.plainLockShared", "MULTILOCK", 40, "ns/op", 1, ""),
                result("KeyedBenchmark.contendedBlocking", "MULTILOCK", 300, "ns/op", 4, keys16),
                result("KeyedBenchmark.contendedBlocking", "GUAVA_STRIPED", 150, "ns/op", 4,
                        keys16),
                result("KeyedBenchmark.contendedBlocking", "ASYNCUTIL", 600, "ns/op", 4,
                        keys16))
                + "]";
        String md = Report.markdown(Result.fromJmh(parse(json)), "t", null, null, null);
        assertFalse(md.contains("Targets (issue #3)"), "no issue #3 scenario was run: " + md);
        assertTrue(md.contains("| a | `freshKeyShared`: multilock ns/op ≤ 1.0× async-util's"
                + " | 0.50× | yes |"), md);
        assertTrue(md.contains("| a | `freshKeyShared`: multilock ns/op ≤ 2× one long-lived"
                + " `MultiLock` (`plainLockShared`) | 2.50× | **no** |"), md);
        assertTrue(md.contains("| b | `contendedBlocking`, 16 keys: multilock throughput ≥ 1.0×"
                + " Guava's striped lock's (their ns/op ÷ multilock's) | 0.50× | **no** |"), md);
        assertTrue(md.contains("| b | `contendedBlocking`, 16 keys: multilock throughput ≥ 1.0×"
                + " async-util's (their ns/op ÷ multilock's) | 2.00× | yes |"), md);
        assertTrue(md.contains("| `freshKeyShared` ÷ `plainLockShared` | ×2.50 | — |"), md);
        assertTrue(md.contains("| benchmark | unit | MULTILOCK | ASYNCUTIL | GUAVA_STRIPED |"),
                "keyed contenders in KeyedContender order: " + md);
    }

    @Test
    void markdown_asyncTargets_multilockAgainstAsyncUtilAndTheDoNothingLock() {
        String point = ", \"batch\" : \"1\", \"mix\" : \"90:10\", \"pool\" : \"2\"";
        String json = "[" + String.join(",",
                result("AsyncThroughputBenchmark.criticalSections", "MULTILOCK", 100, "ops/s", 1,
                        point),
                result("AsyncThroughputBenchmark.criticalSections", "ASYNCUTIL", 80, "ops/s", 1,
                        point),
                result("AsyncThroughputBenchmark.criticalSections", "NOOP", 150, "ops/s", 1,
                        point))
                + "]";
        String md = Report.markdown(Result.fromJmh(parse(json)), "t", null, null, null);
        assertTrue(md.contains("| 3 | mix 90:10, pool 2, batch 1: multilock throughput ≥ 1.0×"
                + " async-util's | 1.25× | yes |"), md);
        assertTrue(md.contains("| 3 | mix 90:10, pool 2, batch 1: multilock within 1.2× of a"
                + " do-nothing lock (throughput ≥ 0.83× `NOOP`'s) | 0.67× | **no** |"), md);
    }

    /** A result with JMH's raw data: one list of iteration scores per fork. */
    static String rawResult(String method, String contender, String unit, int threads,
            String params, String jvmArgs, double[][] forks) {
        StringBuilder raw = new StringBuilder("[");
        double sum = 0;
        int n = 0;
        for (double[] fork : forks) {
            raw.append(raw.length() > 1 ? ", [" : "[");
            for (int i = 0; i < fork.length; i++) {
                raw.append(i > 0 ? ", " : "").append(fork[i]);
                sum += fork[i];
                n++;
            }
            raw.append(']');
        }
        raw.append(']');
        return "{\"benchmark\" : \"dev.multilock.benchmarks." + method + "\", \"mode\" : \""
                + (unit.equals("ops/s") ? "thrpt" : "avgt") + "\", \"threads\" : " + threads
                + ", \"warmupIterations\" : 0, \"jvmArgs\" : [" + jvmArgs + "],"
                + " \"params\" : {\"contender\" : \"" + contender + "\"" + params + "},"
                + " \"primaryMetric\" : {\"score\" : " + sum / n + ", \"scoreError\" : \"NaN\","
                + " \"scoreUnit\" : \"" + unit + "\", \"rawData\" : " + raw + "},"
                + " \"secondaryMetrics\" : {}}";
    }

    @Test
    void parse_rawDataAndJvmArgs_keepForksAndSettings() {
        String json = "[" + rawResult("ContentionBenchmark.acquireRelease", "MULTILOCK_LOCK",
                "ns/op", 2, "", "\"-Dmultilock.lockfree.spins=64\", \"-Xmx1g\"",
                new double[][] {{1, 2}, {3, 5}}) + "]";
        Result r = Result.fromJmh(parse(json)).get(0);
        assertArrayEquals(new double[] {1.5, 4.0}, r.primary().forkScores());
        assertEquals(Map.of("spins", "64", "heap", "-Xmx1g"), r.settings());
        assertEquals(0, r.warmupIterations());
    }

    @Test
    void joinForks_samePointInTwoFiles_concatenatesForksAndRecomputesTheError() {
        String a = rawResult("UncontendedBenchmark.acquireShared", "MULTILOCK", "ns/op", 1, "",
                "", new double[][] {{10, 12}});
        String b = rawResult("UncontendedBenchmark.acquireShared", "MULTILOCK", "ns/op", 1, "",
                "", new double[][] {{14, 16}});
        String other = rawResult("UncontendedBenchmark.acquireShared", "MULTILOCK", "ns/op", 1,
                "", "\"-XX:StartFlightRecording\"", new double[][] {{99, 99}});
        List<Result> results = Result.joinForks(Result.fromJmh(
                parse("[" + String.join(",", a, other, b) + "]")));
        assertEquals(2, results.size(), "the point with a recording stays apart");
        Result.Metric joined = results.get(0).primary();
        assertArrayEquals(new double[] {11, 15}, joined.forkScores());
        assertEquals(13.0, joined.score(), 1e-9);
        assertTrue(joined.error() > 0 && Double.isFinite(joined.error()), "error " + joined);
        assertEquals(Map.of("jfr", "on"), results.get(1).settings());
    }

    @Test
    void markdown_targetsOverForks_showSpreadAndAreMetOnlyInEveryFork() {
        String mix = ", \"mix\" : \"90:10\"";
        String json = "[" + String.join(",",
                rawResult("ContentionBenchmark.acquireRelease", "MULTILOCK_LOCK", "ns/op", 2, mix,
                        "", new double[][] {{100}, {130}, {110}}),
                rawResult("ContentionBenchmark.acquireRelease", "RRWL_NONFAIR", "ns/op", 2, mix,
                        "", new double[][] {{100}, {100}, {100}}),
                rawResult("ContentionBenchmark.acquireRelease", "RRWL_FAIR", "ns/op", 2, mix,
                        "", new double[][] {{200}, {200}, {200}}))
                + "]";
        String md = Report.markdown(Result.fromJmh(parse(json)), "t", null, null, null,
                Report.issues("11"));
        assertFalse(md.contains("Targets (issue #3)"), "only the issues asked for: " + md);
        assertTrue(md.contains("| 2 | 90:10, 2 threads: `lock()` ns/op ≤ 1.25× RRWL | 1.13×"
                + " (1.00–1.30) | **no** (2 of 3 forks) |"), md);
        assertTrue(md.contains("| 2 | 90:10, 2 threads: `lock()` ns/op ≤ 0.8× the fair RRWL"
                + " | 0.57× (0.50–0.65) | yes |"), md);
        assertTrue(md.contains("| VT | 1,000 virtual threads, 90:10: `lock()` throughput ≥ 1.0×"
                + " RRWL's | not measured | ? |"), md);
    }

    @Test
    void markdown_jfrAndSpinVariants_comparedInTheirOwnTables() {
        String mix = ", \"mix\" : \"90:10\"";
        String spins = "\"-Dmultilock.lockfree.spins=";
        String json = "[" + String.join(",",
                rawResult("UncontendedBenchmark.acquireShared", "MULTILOCK_LOCK", "ns/op", 1, "",
                        "", new double[][] {{20}, {22}}),
                rawResult("UncontendedBenchmark.acquireShared", "MULTILOCK_LOCK", "ns/op", 1, "",
                        "\"-XX:StartFlightRecording:filename=x.jfr\"",
                        new double[][] {{21}, {22}}),
                rawResult("ContentionBenchmark.acquireRelease", "MULTILOCK_LOCK", "ns/op", 2, mix,
                        spins + "0\"", new double[][] {{400}, {600}}),
                rawResult("ContentionBenchmark.acquireRelease", "MULTILOCK_LOCK", "ns/op", 2, mix,
                        spins + "128\"", new double[][] {{200}, {300}}),
                rawResult("ContentionBenchmark.acquireRelease", "RRWL_NONFAIR", "ns/op", 2, mix,
                        "", new double[][] {{100}, {200}}))
                + "]";
        String md = Report.markdown(Result.fromJmh(parse(json)), "t", null, null, null);
        assertTrue(md.contains("| `acquireShared` | MULTILOCK_LOCK | ns/op | 21.0 | 21.5 |"
                + " 1.02× (1.00–1.05) |"), md);
        assertTrue(md.contains("| ContentionBenchmark `acquireRelease` mix=90:10, 2 threads |"
                + " MULTILOCK_LOCK | ns/op | 500 (400–600) | 250 (200–300) |"), md);
        assertTrue(md.contains("| ContentionBenchmark `acquireRelease` mix=90:10, 2 threads |"
                + " ÷ RRWL_NONFAIR (150 ns/op) | ratio of ns/op | 3.33× (3.00–4.00) |"
                + " 1.67× (1.50–2.00)"
                + " |"), md);
        assertTrue(md.contains("| 2 | 90:10, 2 threads: `lock()` ns/op ≤ 1.25× RRWL |"
                + " not measured | ? |"), "a spin-count variant decides no target: " + md);
    }

    @Test
    void markdown_runWithoutWarmup_listsEveryIterationOfEveryFork() {
        String json = "[" + rawResult("UncontendedBenchmark.tryAcquireExclusive", "MULTILOCK",
                "ns/op", 1, "", "", new double[][] {{60, 20, 20, 21}, {40, 20, 19, 20}}) + "]";
        String md = Report.markdown(Result.fromJmh(parse(json)), "t", null, null, null);
        assertTrue(md.contains("| `tryAcquireExclusive` | MULTILOCK | 1 | ns/op | 60.0 | 20.0 |"
                + " 20.0 | 21.0 | 3.00 |"), md);
        assertTrue(md.contains("| `tryAcquireExclusive` | MULTILOCK | 2 | ns/op | 40.0 | 20.0 |"
                + " 19.0 | 20.0 | 2.00 |"), md);
    }

    @Test
    void summary_headline_hasTargetsAndChartButNotTheFullTables() {
        String json = "[" + String.join(",",
                result("UncontendedBenchmark.acquireShared", "MULTILOCK_LOCK", 20, "ns/op", 1,
                        ""),
                result("UncontendedBenchmark.acquireShared", "RRWL_NONFAIR", 20, "ns/op", 1, ""))
                + "]";
        String md = Report.summary(Result.fromJmh(parse(json)), "headline", "profile: headline"
                + "\ncommit: abc1234\nsomething else", "results/latest-headline/chart.png",
                "results/latest-headline", Report.issues("11,12"));
        assertTrue(md.contains("Machine and run: profile: headline; commit: abc1234."), md);
        assertTrue(md.contains("| 1 | `acquireShared`: `lock()` + release ns/op ≤ 1.25× RRWL"
                + " `lock`/`unlock` | 1.00× | yes |"), md);
        assertTrue(md.contains("![throughput against threads](results/latest-headline/chart.png)"),
                md);
        assertFalse(md.contains("## 1. Uncontended"), "no full tables: " + md);
    }

    @Test
    void splice_namedMarkers_replacesOnlyTheirSection() {
        String readme = "a\n" + Report.BEGIN + "\nold\n" + Report.END + "\n"
                + "<!-- run.sh: keyed results begin -->\nold keyed\n"
                + "<!-- run.sh: keyed results end -->\n";
        String spliced = Report.splice(readme, "new keyed", "keyed");
        assertTrue(spliced.contains(Report.BEGIN + "\nold\n" + Report.END), spliced);
        assertTrue(spliced.contains("<!-- run.sh: keyed results begin -->\n\nnew keyed\n\n"
                + "<!-- run.sh: keyed results end -->"), spliced);
        assertFalse(spliced.contains("old keyed"), spliced);
    }

    @Test
    void mergeArrays_skipsEmptyArrays() {
        String merged = Report.mergeArrays(List.of("[ {\"a\" : 1} ]", "[]", "[{\"b\" : 2}]"));
        assertEquals(2, parse(merged).size());
    }
}
