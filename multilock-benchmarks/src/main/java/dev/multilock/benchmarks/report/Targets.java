package dev.multilock.benchmarks.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The targets of the issues, checked against one run: every ratio is reported, met or not. Each
 * issue's table is written when the run has a result of one of its scenarios.
 *
 * <p>Issue #3:
 * <ul>
 *   <li>1, {@code tryAcquire} path: multilock's ns/op at most 1.0x ReentrantReadWriteLock's (the
 *       default, non-fair one), and at most 24 B/op; {@code acquire().join()} path at most 1.25x.
 *   <li>2, 90:10 on 2 threads: at most 1.5x ReentrantReadWriteLock's ns/op, and at least 10x
 *       faster than async-util.
 *   <li>3: at least 2x async-util's throughput and 3x the hand-written baseline's.
 * </ul>
 *
 * <p>Keyed locks ({@code KeyedBenchmark}):
 * <ul>
 *   <li>(a) acquire + release of a fresh key, SHARED and EXCLUSIVE: multilock's ns/op at most
 *       1.0x async-util's, and at most 2x that of one long-lived plain {@code MultiLock}
 *       ({@code plainLock*}, same run).
 *   <li>(b) every contended point (blocking and asynchronous, each number of keys): multilock's
 *       throughput at least 1.0x Guava's striped lock's and async-util's, that is its ns/op at
 *       most theirs.
 * </ul>
 */
final class Targets {

    private static final String RRWL = "RRWL_NONFAIR";
    private static final String ML = Report.REFERENCE;
    private static final String KEYED = "KeyedBenchmark";
    private static final Set<String> ISSUE_3 = Set.of("UncontendedBenchmark",
            "ContentionBenchmark", "ReaderWriterBenchmark", "AsyncThroughputBenchmark",
            "HandoffBenchmark");

    private final List<Result> results;
    private final StringBuilder md = new StringBuilder();

    private Targets(List<Result> results) {
        this.results = results;
    }

    /**
     * Writes the targets table.
     *
     * @param results every result of the run
     * @return the Markdown section
     */
    static String markdown(List<Result> results) {
        Targets t = new Targets(results);
        if (t.has(ISSUE_3)) {
            t.md.append("## Targets (issue #3)\n\n");
            t.md.append("Point estimates of the same run; check the error columns below before"
                    + " trusting a close call. ReentrantReadWriteLock means the default, non-fair"
                    + " one.\n\n");
            t.md.append("| scenario | target | measured | met |\n|---|---|---:|:---:|\n");
            t.uncontended();
            t.contention();
            t.asyncThroughput();
            t.md.append('\n');
        }
        if (t.has(Set.of(KEYED))) {
            t.md.append("## Targets (keyed locks)\n\n");
            t.md.append("Point estimates of the same run (`KeyedBenchmark`); check the error"
                    + " columns below before trusting a close call. (a): one thread, acquire +"
                    + " release; (b): 4 threads over `keys` keys, 90:10.\n\n");
            t.md.append("| scenario | target | measured | met |\n|---|---|---:|:---:|\n");
            t.keyedFreshKey();
            t.keyedContention();
            t.md.append('\n');
        }
        return t.md.toString();
    }

    /** Whether the run has a result of one of these scenarios. */
    private boolean has(Set<String> scenarios) {
        return results.stream().anyMatch(r -> scenarios.contains(r.scenario()));
    }

    private void uncontended() {
        String s = "UncontendedBenchmark";
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            Result mlTry = Report.find(results, s, "tryAcquire" + mode, ML, 0, Map.of());
            Result rrwlTry = Report.find(results, s, "tryAcquire" + mode, RRWL, 0, Map.of());
            Result mlAcq = Report.find(results, s, "acquire" + mode, ML, 0, Map.of());
            Result rrwlAcq = Report.find(results, s, "acquire" + mode, RRWL, 0, Map.of());
            atMost("1", "`tryAcquire" + mode + "`: multilock ns/op ≤ 1.0× RRWL `tryLock`/`unlock`",
                    time(mlTry), time(rrwlTry), 1.0);
            atMost("1", "`tryAcquire" + mode + "`: multilock ns/op ≤ 1.0× RRWL `lock`/`unlock`",
                    time(mlTry), time(rrwlAcq), 1.0);
            Result.Metric alloc =
                    mlTry == null ? null : mlTry.secondary().get("gc.alloc.rate.norm");
            String measured = alloc == null ? "not measured"
                    : String.format(Locale.ROOT, "%.1f B/op", alloc.score());
            String met = alloc == null ? "?" : alloc.score() <= 24.0 + 0.5 ? "yes" : "**no**";
            row("1", "`tryAcquire" + mode + "`: multilock ≤ 24 B/op", measured, met);
            atMost("1", "`acquire" + mode + "` (`acquire().join()`): multilock ns/op ≤ 1.25× RRWL"
                    + " `lock`/`unlock`", time(mlAcq), time(rrwlAcq), 1.25);
        }
    }

    private void contention() {
        String s = "ContentionBenchmark";
        Map<String, String> p = Map.of("mix", "90:10");
        Result ml = Report.find(results, s, "acquireRelease", ML, 2, p);
        Result rrwl = Report.find(results, s, "acquireRelease", RRWL, 2, p);
        Result au = Report.find(results, s, "acquireRelease", "ASYNCUTIL", 2, p);
        atMost("2", "90:10, 2 threads: multilock ns/op ≤ 1.5× RRWL", time(ml), time(rrwl), 1.5);
        atLeast("2", "90:10, 2 threads: multilock ≥ 10× faster than async-util (async-util ns/op"
                + " ÷ multilock's)", time(au), time(ml), 10.0);
    }

    private void asyncThroughput() {
        String s = "AsyncThroughputBenchmark";
        Set<String> points = new TreeSet<>();
        for (Result r : Report.select(results, r -> r.scenario().equals(s))) {
            points.add(r.params().get("batch") + "|" + r.params().get("mix") + "|"
                    + r.params().get("pool"));
        }
        if (points.isEmpty()) {
            row("3", "multilock ≥ 2× async-util and ≥ 3× the baseline", "not measured", "?");
        }
        for (String point : points) {
            String[] bmp = point.split("\\|");
            Map<String, String> p = new TreeMap<>();
            p.put("mix", bmp[1]);
            p.put("pool", bmp[2]);
            String where = "mix " + bmp[1] + ", pool " + bmp[2];
            if (!bmp[0].equals("null")) {
                p.put("batch", bmp[0]);
                where += ", batch " + bmp[0];
            }
            where += ": ";
            Result ml = Report.find(results, s, "criticalSections", ML, 0, p);
            Result au = Report.find(results, s, "criticalSections", "ASYNCUTIL", 0, p);
            Result bl = Report.find(results, s, "criticalSections", "BASELINE", 0, p);
            atLeast("3", where + "multilock throughput ≥ 2× async-util's", score(ml), score(au),
                    2.0);
            atLeast("3", where + "multilock throughput ≥ 3× the baseline's", score(ml), score(bl),
                    3.0);
        }
    }

    private void keyedFreshKey() {
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            Result fresh = Report.find(results, KEYED, "freshKey" + mode, ML, 0, Map.of());
            Result au = Report.find(results, KEYED, "freshKey" + mode, "ASYNCUTIL", 0, Map.of());
            Result plain = Report.find(results, KEYED, "plainLock" + mode, ML, 0, Map.of());
            atMost("a", "`freshKey" + mode + "`: multilock ns/op ≤ 1.0× async-util's", time(fresh),
                    time(au), 1.0);
            atMost("a", "`freshKey" + mode + "`: multilock ns/op ≤ 2× one long-lived `MultiLock`"
                    + " (`plainLock" + mode + "`)", time(fresh), time(plain), 2.0);
        }
    }

    private void keyedContention() {
        Set<String> points = new TreeSet<>();
        for (Result r : Report.select(results, r -> r.scenario().equals(KEYED)
                && r.params().containsKey("keys"))) {
            points.add(r.method() + "|" + r.params().get("keys"));
        }
        if (points.isEmpty()) {
            row("b", "multilock throughput ≥ 1.0× Guava's and async-util's", "not measured", "?");
        }
        for (String point : points) {
            String[] mk = point.split("\\|");
            Map<String, String> p = Map.of("keys", mk[1]);
            Result ml = Report.find(results, KEYED, mk[0], ML, 0, p);
            String where = "`" + mk[0] + "`, " + mk[1] + " keys: multilock throughput ≥ 1.0× ";
            for (String[] peer : new String[][] {
                {"GUAVA_STRIPED", "Guava's striped lock's"}, {"ASYNCUTIL", "async-util's"}}) {
                Result other = Report.find(results, KEYED, mk[0], peer[0], 0, p);
                atLeast("b", where + peer[1] + " (their ns/op ÷ multilock's)", time(other),
                        time(ml), 1.0);
            }
        }
    }

    private static double time(Result r) {
        return r == null ? Double.NaN : r.primary().score();
    }

    private static double score(Result r) {
        return r == null ? Double.NaN : r.primary().score();
    }

    private void atMost(String scenario, String target, double a, double b, double limit) {
        double r = a / b;
        row(scenario, target, measured(r), Double.isNaN(r) ? "?" : r <= limit ? "yes" : "**no**");
    }

    private void atLeast(String scenario, String target, double a, double b, double limit) {
        double r = a / b;
        row(scenario, target, measured(r), Double.isNaN(r) ? "?" : r >= limit ? "yes" : "**no**");
    }

    private static String measured(double ratio) {
        return Double.isNaN(ratio) ? "not measured"
                : String.format(Locale.ROOT, "%.2f×", ratio);
    }

    private void row(String scenario, String target, String measured, String met) {
        md.append("| ").append(scenario).append(" | ").append(target).append(" | ")
                .append(measured).append(" | ").append(met).append(" |\n");
    }
}
