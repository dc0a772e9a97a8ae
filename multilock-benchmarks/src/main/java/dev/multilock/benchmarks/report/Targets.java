package dev.multilock.benchmarks.report;

import java.util.ArrayList;
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
 * <p>Issue #11 (waiting on a thread), same run:
 * <ul>
 *   <li>2, 90:10 on 2 threads: {@code lock()} ({@code MULTILOCK_LOCK}) at most 1.25x the non-fair
 *       ReentrantReadWriteLock's ns/op and at most 0.8x the fair one's.
 *   <li>1, uncontended {@code lock()} + release, SHARED and EXCLUSIVE: at most 1.25x
 *       ReentrantReadWriteLock's {@code lock()}/{@code unlock()}.
 *   <li>virtual threads (1,000, 90:10): {@code lock()}'s throughput at least 1.0x
 *       ReentrantReadWriteLock's on the same virtual threads.
 * </ul>
 *
 * <p>Issue #12 (fast paths), same run:
 * <ul>
 *   <li>1, uncontended {@code tryAcquire} + release: EXCLUSIVE at most 1.1x
 *       ReentrantReadWriteLock's write lock ({@code tryLock}/{@code unlock}), SHARED at most 1.2x
 *       its read lock; {@code acquire().join()} + release at most 1.25x its {@code lock}/{@code
 *       unlock}.
 *   <li>3: multilock's throughput at least 1.0x async-util's at every point of the run.
 * </ul>
 *
 * <p>Keyed locks (issue #9, {@code KeyedBenchmark}):
 * <ul>
 *   <li>(a) acquire + release of a fresh key, SHARED and EXCLUSIVE: multilock's ns/op at most
 *       1.0x async-util's, and at most 2x that of one long-lived plain {@code MultiLock}
 *       ({@code plainLock*}, same run).
 *   <li>(b) every contended point (blocking and asynchronous, each number of keys): multilock's
 *       throughput at least 1.0x Guava's striped lock's and async-util's, that is its ns/op at
 *       most theirs.
 * </ul>
 *
 * <p>Each ratio is that of the two scores (means over every fork). Where the results have several
 * forks, the ratio is also taken fork by fork, fork {@code i} over fork {@code i} (in the
 * {@code headline} profile fork {@code i} of every row is round {@code i}, so both were measured
 * within minutes of each other); with unequal numbers of forks, every pair. The table shows the
 * spread of those ratios, and a target counts as met only when every one of them meets it.
 */
final class Targets {

    private static final String RRWL = "RRWL_NONFAIR";
    private static final String RRWL_FAIR = "RRWL_FAIR";
    private static final String ML = Report.REFERENCE;
    private static final String ML_LOCK = "MULTILOCK_LOCK";
    private static final String VTHREADS = "VirtualThreadBenchmark";
    private static final String KEYED = "KeyedBenchmark";
    private static final Set<String> ISSUE_3 = Set.of("UncontendedBenchmark",
            "ContentionBenchmark", "ReaderWriterBenchmark", "AsyncThroughputBenchmark",
            "HandoffBenchmark");

    /** Every issue with a targets table, in report order. */
    static final Set<String> ISSUES = Set.of("3", "9", "11", "12");

    private final List<Result> results;
    private final StringBuilder md = new StringBuilder();

    private Targets(List<Result> results) {
        // a plain run of each point: rows run with -Dmultilock.lockfree.spins or under a JFR
        // recording are variants, compared in their own tables
        this.results = Report.select(results, r -> r.settings().isEmpty());
    }

    /**
     * Writes the targets tables of every issue whose scenarios the run has.
     *
     * @param results every result of the run
     * @return the Markdown section
     */
    static String markdown(List<Result> results) {
        return markdown(results, ISSUES);
    }

    private static final String HOW = "Ratios of the means of the same run; where the rows have"
            + " several forks, (min–max) is the spread of the ratio taken fork by fork, and a"
            + " target is met only when it holds in every fork (\"k of n\": the forks that meet"
            + " it). ReentrantReadWriteLock (RRWL) means the default, non-fair one.";

    /**
     * Writes the targets tables of some issues, each only if the run has its scenarios.
     *
     * @param results every result of the run
     * @param issues the issues whose tables to write, of {@link #ISSUES}
     * @return the Markdown section
     */
    static String markdown(List<Result> results, Set<String> issues) {
        Targets t = new Targets(results);
        if (issues.contains("3") && t.has(ISSUE_3)) {
            t.md.append("## Targets (issue #3)\n\n");
            t.md.append(HOW).append(" Check the error columns below before trusting a close"
                    + " call.\n\n");
            t.md.append("| scenario | target | measured | met |\n|---|---|---:|:---:|\n");
            t.uncontended();
            t.contention();
            t.asyncThroughput();
            t.md.append('\n');
        }
        if (issues.contains("11") && (t.hasContender(ML_LOCK) || t.has(Set.of(VTHREADS)))) {
            t.md.append("## Targets (issue #11, waiting on a thread)\n\n");
            t.md.append(HOW).append(" `lock()` is `MULTILOCK_LOCK`: `lock(type)`, then"
                    + " `handle.release()`.\n\n");
            t.md.append("| scenario | target | measured | met |\n|---|---|---:|:---:|\n");
            t.issue11();
            t.md.append('\n');
        }
        if (issues.contains("12") && t.has(Set.of("UncontendedBenchmark",
                "AsyncThroughputBenchmark"))) {
            t.md.append("## Targets (issue #12, fast paths)\n\n");
            t.md.append(HOW).append("\n\n");
            t.md.append("| scenario | target | measured | met |\n|---|---|---:|:---:|\n");
            t.issue12();
            t.md.append('\n');
        }
        if (issues.contains("9") && t.has(Set.of(KEYED))) {
            t.md.append("## Targets (issue #9, keyed locks)\n\n");
            t.md.append(HOW).append(" (a): one thread, acquire + release; (b): 4 threads over"
                    + " `keys` keys, 90:10 (`KeyedBenchmark`).\n\n");
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

    /** Whether the run has a result of this contender. */
    private boolean hasContender(String contender) {
        return results.stream().anyMatch(r -> r.contender().equals(contender));
    }

    private void issue11() {
        String c = "ContentionBenchmark";
        Map<String, String> p = Map.of("mix", "90:10");
        Result lock = Report.find(results, c, "acquireRelease", ML_LOCK, 2, p);
        atMost("2", "90:10, 2 threads: `lock()` ns/op ≤ 1.25× RRWL", lock,
                Report.find(results, c, "acquireRelease", RRWL, 2, p), 1.25);
        atMost("2", "90:10, 2 threads: `lock()` ns/op ≤ 0.8× the fair RRWL", lock,
                Report.find(results, c, "acquireRelease", RRWL_FAIR, 2, p), 0.8);
        String u = "UncontendedBenchmark";
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            atMost("1", "`acquire" + mode + "`: `lock()` + release ns/op ≤ 1.25× RRWL"
                    + " `lock`/`unlock`", Report.find(results, u, "acquire" + mode, ML_LOCK, 0,
                            Map.of()),
                    Report.find(results, u, "acquire" + mode, RRWL, 0, Map.of()), 1.25);
        }
        Map<String, String> v = Map.of("mix", "90:10");
        atLeast("VT", "1,000 virtual threads, 90:10: `lock()` throughput ≥ 1.0× RRWL's",
                Report.find(results, VTHREADS, "criticalSections", ML_LOCK, 0, v),
                Report.find(results, VTHREADS, "criticalSections", RRWL, 0, v), 1.0);
    }

    private void issue12() {
        String u = "UncontendedBenchmark";
        atMost("1", "`tryAcquireExclusive`: multilock ns/op ≤ 1.1× RRWL's write lock"
                + " `tryLock`/`unlock`", Report.find(results, u, "tryAcquireExclusive", ML, 0,
                        Map.of()),
                Report.find(results, u, "tryAcquireExclusive", RRWL, 0, Map.of()), 1.1);
        atMost("1", "`tryAcquireShared`: multilock ns/op ≤ 1.2× RRWL's read lock"
                + " `tryLock`/`unlock`", Report.find(results, u, "tryAcquireShared", ML, 0,
                        Map.of()),
                Report.find(results, u, "tryAcquireShared", RRWL, 0, Map.of()), 1.2);
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            atMost("1", "`acquire" + mode + "` (`acquire().join()`): multilock ns/op ≤ 1.25× RRWL"
                    + " `lock`/`unlock`", Report.find(results, u, "acquire" + mode, ML, 0,
                            Map.of()),
                    Report.find(results, u, "acquire" + mode, RRWL, 0, Map.of()), 1.25);
        }
        String s = "AsyncThroughputBenchmark";
        for (Map<String, String> p : asyncPoints()) {
            Result ml = Report.find(results, s, "criticalSections", ML, 0, p);
            atLeast("3", asyncWhere(p) + "multilock throughput ≥ 1.0× async-util's", ml,
                    Report.find(results, s, "criticalSections", "ASYNCUTIL", 0, p), 1.0);
            Result noop = Report.find(results, s, "criticalSections", "NOOP", 0, p);
            if (noop != null) {
                atLeast("3", asyncWhere(p) + "multilock within 1.2× of a do-nothing lock"
                        + " (throughput ≥ 0.83× `NOOP`'s)", ml, noop, 1 / 1.2);
            }
        }
    }

    /** The parameter points of scenario 3 in the run, sorted. */
    private List<Map<String, String>> asyncPoints() {
        Set<String> points = new TreeSet<>();
        for (Result r : Report.select(results,
                r -> r.scenario().equals("AsyncThroughputBenchmark"))) {
            points.add(r.params().get("batch") + "|" + r.params().get("mix") + "|"
                    + r.params().get("pool"));
        }
        List<Map<String, String>> list = new ArrayList<>();
        for (String point : points) {
            String[] bmp = point.split("\\|");
            Map<String, String> p = new TreeMap<>();
            p.put("mix", bmp[1]);
            p.put("pool", bmp[2]);
            if (!bmp[0].equals("null")) {
                p.put("batch", bmp[0]);
            }
            list.add(p);
        }
        return list;
    }

    private static String asyncWhere(Map<String, String> p) {
        return "mix " + p.get("mix") + ", pool " + p.get("pool")
                + (p.containsKey("batch") ? ", batch " + p.get("batch") : "") + ": ";
    }

    private void uncontended() {
        String s = "UncontendedBenchmark";
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            Result mlTry = Report.find(results, s, "tryAcquire" + mode, ML, 0, Map.of());
            Result rrwlTry = Report.find(results, s, "tryAcquire" + mode, RRWL, 0, Map.of());
            Result mlAcq = Report.find(results, s, "acquire" + mode, ML, 0, Map.of());
            Result rrwlAcq = Report.find(results, s, "acquire" + mode, RRWL, 0, Map.of());
            atMost("1", "`tryAcquire" + mode + "`: multilock ns/op ≤ 1.0× RRWL `tryLock`/`unlock`",
                    mlTry, rrwlTry, 1.0);
            atMost("1", "`tryAcquire" + mode + "`: multilock ns/op ≤ 1.0× RRWL `lock`/`unlock`",
                    mlTry, rrwlAcq, 1.0);
            Result.Metric alloc =
                    mlTry == null ? null : mlTry.secondary().get("gc.alloc.rate.norm");
            String measured = alloc == null ? "not measured"
                    : String.format(Locale.ROOT, "%.1f B/op", alloc.score());
            String met = alloc == null ? "?" : alloc.score() <= 24.0 + 0.5 ? "yes" : "**no**";
            row("1", "`tryAcquire" + mode + "`: multilock ≤ 24 B/op", measured, met);
            atMost("1", "`acquire" + mode + "` (`acquire().join()`): multilock ns/op ≤ 1.25× RRWL"
                    + " `lock`/`unlock`", mlAcq, rrwlAcq, 1.25);
        }
    }

    private void contention() {
        String s = "ContentionBenchmark";
        Map<String, String> p = Map.of("mix", "90:10");
        Result ml = Report.find(results, s, "acquireRelease", ML, 2, p);
        Result rrwl = Report.find(results, s, "acquireRelease", RRWL, 2, p);
        Result au = Report.find(results, s, "acquireRelease", "ASYNCUTIL", 2, p);
        atMost("2", "90:10, 2 threads: multilock ns/op ≤ 1.5× RRWL", ml, rrwl, 1.5);
        atLeast("2", "90:10, 2 threads: multilock ≥ 10× faster than async-util (async-util ns/op"
                + " ÷ multilock's)", au, ml, 10.0);
    }

    private void asyncThroughput() {
        String s = "AsyncThroughputBenchmark";
        List<Map<String, String>> points = asyncPoints();
        if (points.isEmpty()) {
            row("3", "multilock ≥ 2× async-util and ≥ 3× the baseline", "not measured", "?");
        }
        for (Map<String, String> p : points) {
            String where = asyncWhere(p);
            Result ml = Report.find(results, s, "criticalSections", ML, 0, p);
            Result au = Report.find(results, s, "criticalSections", "ASYNCUTIL", 0, p);
            Result bl = Report.find(results, s, "criticalSections", "BASELINE", 0, p);
            atLeast("3", where + "multilock throughput ≥ 2× async-util's", ml, au, 2.0);
            atLeast("3", where + "multilock throughput ≥ 3× the baseline's", ml, bl, 3.0);
        }
    }

    private void keyedFreshKey() {
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            Result fresh = Report.find(results, KEYED, "freshKey" + mode, ML, 0, Map.of());
            Result au = Report.find(results, KEYED, "freshKey" + mode, "ASYNCUTIL", 0, Map.of());
            Result plain = Report.find(results, KEYED, "plainLock" + mode, ML, 0, Map.of());
            atMost("a", "`freshKey" + mode + "`: multilock ns/op ≤ 1.0× async-util's", fresh, au,
                    1.0);
            atMost("a", "`freshKey" + mode + "`: multilock ns/op ≤ 2× one long-lived `MultiLock`"
                    + " (`plainLock" + mode + "`)", fresh, plain, 2.0);
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
                atLeast("b", where + peer[1] + " (their ns/op ÷ multilock's)", other, ml, 1.0);
            }
        }
    }

    /** Checks {@code a / b <= limit}, fork by fork; see the class comment. */
    private void atMost(String scenario, String target, Result a, Result b, double limit) {
        check(scenario, target, a, b, limit, true);
    }

    /** Checks {@code a / b >= limit}, fork by fork; see the class comment. */
    private void atLeast(String scenario, String target, Result a, Result b, double limit) {
        check(scenario, target, a, b, limit, false);
    }

    private void check(String scenario, String target, Result a, Result b, double limit,
            boolean atMost) {
        if (a == null || b == null) {
            row(scenario, target, "not measured", "?");
            return;
        }
        double ratio = a.primary().score() / b.primary().score();
        double[] forks = forkRatios(a.primary(), b.primary());
        int met = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double r : forks) {
            if (Double.isNaN(r)) {
                row(scenario, target, measured(ratio), "?");
                return;
            }
            met += (atMost ? r <= limit : r >= limit) ? 1 : 0;
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        String measured = measured(ratio);
        if (forks.length > 1) {
            measured += " (" + Report.ratio(min) + "–" + Report.ratio(max) + ")";
        }
        String verdict = met == forks.length ? "yes"
                : met == 0 ? "**no**"
                : "**no** (" + met + " of " + forks.length + " forks)";
        row(scenario, target, Double.isNaN(ratio) ? "not measured" : measured,
                Double.isNaN(ratio) ? "?" : verdict);
    }

    /**
     * The ratio {@code a / b} fork by fork: fork {@code i} over fork {@code i} when both have the
     * same number of forks, else every pair.
     *
     * @param a the numerator's metric
     * @param b the denominator's metric
     * @return at least one ratio
     */
    static double[] forkRatios(Result.Metric a, Result.Metric b) {
        double[] fa = a.forkScores();
        double[] fb = b.forkScores();
        if (fa.length == fb.length) {
            double[] r = new double[fa.length];
            for (int i = 0; i < fa.length; i++) {
                r[i] = fa[i] / fb[i];
            }
            return r;
        }
        double[] r = new double[fa.length * fb.length];
        for (int i = 0; i < fa.length; i++) {
            for (int j = 0; j < fb.length; j++) {
                r[i * fb.length + j] = fa[i] / fb[j];
            }
        }
        return r;
    }

    private static String measured(double ratio) {
        return Double.isNaN(ratio) ? "not measured"
                : Report.ratio(ratio) + "×";
    }

    private void row(String scenario, String target, String measured, String met) {
        md.append("| ").append(scenario).append(" | ").append(target).append(" | ")
                .append(measured).append(" | ").append(met).append(" |\n");
    }
}
