package dev.multilock.benchmarks.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multilock.benchmarks.Contender;
import dev.multilock.benchmarks.KeyedContender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Turns the JMH JSON files of one run of {@code run.sh} into one merged JSON file, a Markdown
 * report (tables per scenario with ratios against multilock, the issues' targets met or not,
 * allocation per operation) and a chart of throughput against threads.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.multilock.benchmarks.report.Report --out DIR
 * [--title TEXT] [--machine FILE] [--failures FILE] [--rounds] [--issues LIST] [--readme README
 * RESULTS_DIR [--readme-markers NAME] [--readme-summary]] [--baseline RESULTS.json
 * [--baseline-name TEXT]] FILE.json...}. {@code --baseline} adds a section that compares every
 * row with the same row of a previous run's merged {@code results.json} ({@link Baseline}: the
 * one comparison across runs, fork ranges against fork ranges). {@code --rounds} joins
 * the forks of each benchmark point run by several JMH invocations (the rounds of {@code run.sh
 * headline}, {@code jfr} and {@code spins}); {@code --issues} names the issues whose targets
 * tables to write ({@code 3,9,11,12}, or {@code none}); {@code --readme-summary} copies the short
 * form ({@link #summary}) into the README instead of the whole report. It writes
 * {@code DIR/results.json},
 * {@code DIR/results.md} and {@code DIR/throughput-vs-threads.png} (when the run has a scenario
 * to chart); with {@code --readme} it also copies the tables between the markers
 * {@link #BEGIN} and {@link #END} of a README (or those named {@code NAME}, see
 * {@link #splice(String, String, String)}), linking the chart as
 * {@code RESULTS_DIR/throughput-vs-threads.png}.
 *
 * <p>Every ratio compares two results of the same run, never results of different runs; the
 * baseline section alone compares runs, and only by whether fork ranges overlap.
 */
public final class Report {

    /** The contender every ratio is taken against. */
    static final String REFERENCE = "MULTILOCK";

    /** Scenario classes in report order, with their headings and what their scores mean. */
    private static final String[][] SECTIONS = {
        {"UncontendedBenchmark", "1. Uncontended acquire + release",
            "One thread, one lock nobody else touches. Score: ns per acquire + release pair"
                + " (lower is better)."},
        {"ContentionBenchmark", "2. Blocking contention",
            "Threads loop acquire (waiting for the grant), a short critical section, release, on"
                + " one lock, modes drawn by the read:write mix. Score: ns per operation per"
                + " thread (lower is better)."},
        {"ReaderWriterBenchmark", "2b. Readers against one writer (asymmetric)",
            "Dedicated reader and writer threads. Score: ns per operation of each side (lower"
                + " is better); a huge writer time means the writer starves."},
        {"AsyncThroughputBenchmark", "3. Asynchronous throughput",
            "Tasks on a fixed pool, each acquire(type) then critical section and release; JDK"
                + " locks block pool threads. Score: critical sections per second (higher is"
                + " better)."},
        {"HandoffBenchmark", "4. Hand-off latency",
            "Two chains on two threads pass an EXCLUSIVE lock back and forth. Score: ns per"
                + " acquisition (lower is better); see the hand-off share below it."},
        {"VirtualThreadBenchmark", "Virtual threads",
            "1,000 virtual threads (JDK 21+) on one lock, each 100 times acquire (waiting on its"
                + " own thread), a short critical section, release; 90:10. Score: critical"
                + " sections per second over all of them (higher is better)."},
        {"KeyedBenchmark", "Keyed locks",
            "Families of per-key locks. One thread: acquire + release of a fresh key"
                + " (`freshKey*`), of the same key every time (`sameKey*`), and of one"
                + " long-lived plain lock of the kind the family is made of (`plainLock*`). Four"
                + " threads over `keys` keys, 90:10: waiting for each grant"
                + " (`contendedBlocking`) or leaving a continuation (`contendedAsync`; Guava and"
                + " the hand-written map block instead). Score: ns per operation (lower is"
                + " better)."},
    };

    /** Reads JMH's result files. */
    static final ObjectMapper JSON = new ObjectMapper();

    private Report() {}

    /**
     * Runs the report; see the class comment for the arguments.
     *
     * @param args the command line
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path out = null;
        String title = "multilock benchmark results";
        String machine = null;
        String failures = null;
        Path readme = null;
        String readmeResults = null;
        String markers = "latest";
        boolean rounds = false;
        Set<String> issues = Targets.ISSUES;
        boolean summaryOnly = false;
        Path baseline = null;
        String baselineName = "the previous run";
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out":
                    out = Path.of(args[++i]);
                    break;
                case "--title":
                    title = args[++i];
                    break;
                case "--machine":
                    machine = Files.readString(Path.of(args[++i]), StandardCharsets.UTF_8);
                    break;
                case "--readme":
                    readme = Path.of(args[++i]);
                    readmeResults = args[++i];
                    break;
                case "--readme-markers":
                    markers = args[++i];
                    break;
                case "--rounds":
                    rounds = true;
                    break;
                case "--issues":
                    issues = issues(args[++i]);
                    break;
                case "--readme-summary":
                    summaryOnly = true;
                    break;
                case "--failures":
                    failures = Files.readString(Path.of(args[++i]), StandardCharsets.UTF_8);
                    break;
                case "--baseline":
                    baseline = Path.of(args[++i]);
                    break;
                case "--baseline-name":
                    baselineName = args[++i];
                    break;
                default:
                    inputs.add(Path.of(args[i]));
            }
        }
        if (out == null || inputs.isEmpty()) {
            System.err.println("usage: Report --out DIR [--title TEXT] [--machine FILE]"
                    + " [--failures FILE] [--rounds] [--issues 3,9,11,12|none]"
                    + " [--baseline RESULTS.json [--baseline-name TEXT]]"
                    + " [--readme README RESULTS_DIR [--readme-markers NAME] [--readme-summary]]"
                    + " FILE.json...");
            System.exit(2);
            return;
        }
        Files.createDirectories(out);
        List<String> texts = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        for (Path in : inputs) {
            String text = Files.readString(in, StandardCharsets.UTF_8);
            if (text.isBlank()) {
                continue; // a JMH run that produced nothing
            }
            texts.add(text);
            results.addAll(Result.fromJmh(JSON.readTree(text)));
        }
        if (rounds) {
            results = Result.joinForks(results);
        }
        String against = "";
        if (baseline != null) {
            List<Result> before = Result.fromJmh(JSON.readTree(
                    Files.readString(baseline, StandardCharsets.UTF_8)));
            against = Baseline.markdown(results, rounds ? Result.joinForks(before) : before,
                    baselineName);
        }
        Files.writeString(out.resolve("results.json"), mergeArrays(texts), StandardCharsets.UTF_8);
        boolean charted = ThroughputChart.write(results, out.resolve("throughput-vs-threads.png"));
        Files.writeString(out.resolve("results.md"),
                markdown(results, title, machine, failures,
                        charted ? "throughput-vs-threads.png" : null, issues) + against,
                StandardCharsets.UTF_8);
        System.out.println("report: " + results.size() + " results -> "
                + out.resolve("results.md"));
        if (readme != null) {
            String chart = charted ? readmeResults + "/throughput-vs-threads.png" : null;
            String section = summaryOnly
                    ? summary(results, title, machine, chart, readmeResults, issues)
                    : markdown(results, title, machine, failures, chart, issues) + against;
            Files.writeString(readme, splice(Files.readString(readme, StandardCharsets.UTF_8),
                    demote(section, 2), markers), StandardCharsets.UTF_8);
            System.out.println("report: tables copied into " + readme);
        }
    }

    /** The markers in a README between which {@code --readme} writes the latest report. */
    static final String BEGIN = "<!-- run.sh: latest results begin -->";
    static final String END = "<!-- run.sh: latest results end -->";

    /**
     * Replaces what lies between {@link #BEGIN} and {@link #END} in a README.
     *
     * @throws IllegalArgumentException if the markers are missing
     */
    static String splice(String readme, String section) {
        return splice(readme, section, "latest");
    }

    /**
     * Replaces what lies between the markers {@code <!-- run.sh: NAME results begin -->} and
     * {@code <!-- run.sh: NAME results end -->} in a README ({@code --readme-markers NAME}; the
     * default, {@code latest}, gives {@link #BEGIN} and {@link #END}).
     *
     * @throws IllegalArgumentException if the markers are missing
     */
    static String splice(String readme, String section, String name) {
        String beginMarker = "<!-- run.sh: " + name + " results begin -->";
        String endMarker = "<!-- run.sh: " + name + " results end -->";
        int begin = readme.indexOf(beginMarker);
        int end = readme.indexOf(endMarker);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the README lacks the markers " + beginMarker
                    + " and " + endMarker);
        }
        return readme.substring(0, begin + beginMarker.length()) + "\n\n" + section.strip()
                + "\n\n" + readme.substring(end);
    }

    /** Moves every Markdown heading {@code levels} levels down, outside fenced blocks. */
    static String demote(String markdown, int levels) {
        StringBuilder sb = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            }
            if (!fenced && line.startsWith("#")) {
                sb.append("#".repeat(levels));
            }
            sb.append(line).append('\n');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** Concatenates JSON arrays into one, textually, so that every number stays as JMH wrote it. */
    static String mergeArrays(List<String> texts) {
        StringBuilder sb = new StringBuilder("[\n");
        boolean first = true;
        for (String text : texts) {
            String t = text.strip();
            if (!t.startsWith("[") || !t.endsWith("]")) {
                throw new IllegalArgumentException("not a JSON array");
            }
            String body = t.substring(1, t.length() - 1).strip();
            if (body.isEmpty()) {
                continue;
            }
            if (!first) {
                sb.append(",\n");
            }
            sb.append(body);
            first = false;
        }
        return sb.append("\n]\n").toString();
    }

    // ---- Markdown ----

    /**
     * Writes the whole report.
     *
     * @param results every result of the run
     * @param title the first heading
     * @param machine a description of the machine, or null
     * @param failures the benchmarks that failed, one or more lines each, or null
     * @param chart the chart's file name relative to the report, or null if none was drawn
     * @return the Markdown text
     */
    static String markdown(List<Result> results, String title, String machine, String failures,
            String chart) {
        return markdown(results, title, machine, failures, chart, Targets.ISSUES);
    }

    /**
     * Writes the whole report, with the targets tables of some issues only.
     *
     * @param issues the issues whose targets tables to write (see {@link Targets#ISSUES})
     * @return the Markdown text
     */
    static String markdown(List<Result> results, String title, String machine, String failures,
            String chart, Set<String> issues) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        if (machine != null && !machine.isBlank()) {
            md.append("Machine and run:\n\n```\n").append(machine.strip()).append("\n```\n\n");
        }
        md.append("Cells are `score ±error`; JMH gives no error for a single iteration or"
                + " fork. `(×r)` compares a contender with multilock in the same row and run:"
                + " r is the contender's time divided by multilock's (or multilock's throughput"
                + " divided by the contender's), so **r > 1 means multilock is faster**.\n\n");
        md.append(Targets.markdown(results, issues));
        failures(md, failures);
        Variants.markdown(md, results);
        Set<String> done = new LinkedHashSet<>();
        for (String[] section : SECTIONS) {
            section(md, results, section[0], section[1], section[2]);
            done.add(section[0]);
        }
        for (Result r : results) {
            if (done.add(r.scenario())) {
                section(md, results, r.scenario(), r.scenario(), "");
            }
        }
        allocation(md, results);
        Variants.warmup(md, results);
        if (chart != null) {
            md.append("## Throughput against threads\n\n").append(CHART_NOTE)
                    .append("\n\n![throughput against threads](").append(chart).append(")\n\n");
        }
        return md.toString();
    }

    private static final String CHART_NOTE = "Each line joins the means of its contender's"
            + " points; where a point has several forks, a thin bar of the same color beside it"
            + " spans their results, one dot per fork, so a point whose forks disagree (a bimodal"
            + " row) shows as a long bar rather than as a precise mean.";

    /**
     * Writes the short form of a run for the top-level README: where it comes from, the
     * targets tables with their spread over forks, and the chart.
     *
     * @param results every result of the run
     * @param title the first heading
     * @param machine a description of the machine, or null
     * @param chart the chart's path relative to the README, or null
     * @param details where the full tables are, relative to the README
     * @param issues the issues whose targets tables to write
     * @return the Markdown text
     */
    static String summary(List<Result> results, String title, String machine, String chart,
            String details, Set<String> issues) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        if (machine != null && !machine.isBlank()) {
            md.append("Machine and run: ").append(machineLine(machine)).append(".\n\n");
        }
        md.append("Full tables: `").append(details).append("/results.md`.\n\n");
        md.append(Targets.markdown(results, issues));
        if (chart != null) {
            md.append("## Throughput against threads\n\n").append(CHART_NOTE)
                    .append("\n\n![throughput against threads](").append(chart).append(")\n\n");
        }
        return md.toString();
    }

    /** The lines of machine.txt that identify a run, on one line. */
    static String machineLine(String machine) {
        List<String> parts = new ArrayList<>();
        for (String line : machine.split("\n")) {
            String l = line.strip();
            if (l.startsWith("profile:") || l.startsWith("JMH:") || l.startsWith("nproc:")
                    || l.startsWith("commit:") || l.startsWith("load average")
                    || l.startsWith("Model name:") || l.startsWith("openjdk version")
                    || l.startsWith("java version")) {
                parts.add(l.replaceAll("\\s+", " "));
            }
        }
        return String.join("; ", parts);
    }

    /**
     * Parses {@code --issues}: a comma-separated list of {@link Targets#ISSUES}, or {@code none}.
     *
     * @throws IllegalArgumentException for an unknown issue
     */
    static Set<String> issues(String list) {
        Set<String> issues = new LinkedHashSet<>();
        if (list.equals("none")) {
            return issues;
        }
        for (String issue : list.split(",")) {
            String i = issue.strip().replace("#", "");
            if (!Targets.ISSUES.contains(i)) {
                throw new IllegalArgumentException("no targets table for issue " + issue
                        + "; known: " + Targets.ISSUES);
            }
            issues.add(i);
        }
        return issues;
    }

    private static void section(StringBuilder md, List<Result> all, String scenario,
            String heading, String explanation) {
        List<Result> results = select(all, r -> r.scenario().equals(scenario));
        if (results.isEmpty()) {
            return;
        }
        md.append("## ").append(heading).append("\n\n");
        if (!explanation.isEmpty()) {
            md.append(explanation).append(' ');
        }
        Map<String, String> fixed = fixedParams(results);
        if (!fixed.isEmpty()) {
            md.append("Fixed parameters: ").append(fixed).append('.');
        }
        md.append("\n\n");
        List<String> contenders = contenders(results);
        Set<String> varying = varyingParams(results, fixed);
        boolean threads = results.stream().map(Result::threads).distinct().count() > 1
                || results.get(0).threads() > 1;
        table(md, results, contenders, varying, threads, r -> metricRows(r));
        counters(md, results, contenders, varying, threads);
        if (scenario.equals("KeyedBenchmark")) {
            keyCost(md, results, contenders);
        }
    }

    /** Each family's fresh key over its own long-lived plain lock: what a key costs. */
    private static void keyCost(StringBuilder md, List<Result> results, List<String> contenders) {
        StringBuilder rows = new StringBuilder();
        for (String mode : new String[] {"Shared", "Exclusive"}) {
            StringBuilder row = new StringBuilder("| `freshKey" + mode + "` ÷ `plainLock" + mode
                    + "` |");
            boolean any = false;
            for (String c : contenders) {
                Result fresh = find(results, "KeyedBenchmark", "freshKey" + mode, c, 0, Map.of());
                Result plain = find(results, "KeyedBenchmark", "plainLock" + mode, c, 0,
                        Map.of());
                if (fresh == null || plain == null) {
                    row.append(" — |");
                } else {
                    row.append(" ×").append(ratio(fresh.primary().score()
                            / plain.primary().score())).append(" |");
                    any = true;
                }
            }
            if (any) {
                rows.append(row).append('\n');
            }
        }
        if (rows.length() == 0) {
            return;
        }
        md.append("The cost of a key: each family's `freshKey` time divided by that of its own"
                + " long-lived plain lock (multilock: `MultiLock`; async-util:"
                + " `FairAsyncReadWriteLock`; Guava and the hand-written map: a non-fair"
                + " `ReentrantReadWriteLock`), same run:\n\n| ratio |");
        for (String c : contenders) {
            md.append(' ').append(c).append(" |");
        }
        md.append("\n|---|");
        for (int i = 0; i < contenders.size(); i++) {
            md.append("---:|");
        }
        md.append('\n').append(rows).append('\n');
    }

    /** The rows one result contributes: its primary metric, and each group member's. */
    private static Map<String, Result.Metric> metricRows(Result r) {
        Map<String, Result.Metric> rows = new LinkedHashMap<>();
        rows.put(r.method(), r.primary());
        for (Map.Entry<String, Result.Metric> e : r.secondary().entrySet()) {
            if (e.getValue().unit().equals(r.primary().unit())) {
                rows.put(r.method() + ":" + e.getKey(), e.getValue()); // a member of a group
            }
        }
        return rows;
    }

    private interface RowMetrics {
        Map<String, Result.Metric> of(Result r);
    }

    private static void table(StringBuilder md, List<Result> results, List<String> contenders,
            Set<String> varying, boolean showThreads, RowMetrics metrics) {
        // row label -> contender -> metric, in order of first appearance
        Map<String, Map<String, Result.Metric>> rows = new LinkedHashMap<>();
        for (Result r : results) {
            String where = rowParams(r, varying, showThreads);
            for (Map.Entry<String, Result.Metric> e : metrics.of(r).entrySet()) {
                rows.computeIfAbsent("`" + e.getKey() + "`" + where, k -> new LinkedHashMap<>())
                        .put(r.contender(), e.getValue());
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("| benchmark | unit |");
        for (String c : contenders) {
            md.append(' ').append(c).append(" |");
        }
        md.append("\n|---|---|");
        for (int i = 0; i < contenders.size(); i++) {
            md.append("---:|");
        }
        md.append('\n');
        for (Map.Entry<String, Map<String, Result.Metric>> row : rows.entrySet()) {
            Map<String, Result.Metric> cells = row.getValue();
            Result.Metric ref = cells.get(REFERENCE);
            String unit = cells.values().iterator().next().unit();
            md.append("| ").append(row.getKey()).append(" | ").append(unit).append(" |");
            for (String c : contenders) {
                Result.Metric m = cells.get(c);
                md.append(' ');
                if (m == null) {
                    md.append('—');
                } else {
                    md.append(scoreWithError(m));
                    if (ref != null && !c.equals(REFERENCE)) {
                        md.append(" (×").append(ratio(cost(m, ref))).append(')');
                    }
                }
                md.append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    /** The aux counters (unit {@code #}) of a scenario, and the hand-off share where it applies. */
    private static void counters(StringBuilder md, List<Result> results, List<String> contenders,
            Set<String> varying, boolean showThreads) {
        boolean any = results.stream().anyMatch(r -> r.secondary().values().stream()
                .anyMatch(m -> m.unit().equals("#")));
        if (!any) {
            return;
        }
        md.append("Counters (totals over the measured iterations):\n\n");
        md.append("| counter |");
        for (String c : contenders) {
            md.append(' ').append(c).append(" |");
        }
        md.append("\n|---|");
        for (int i = 0; i < contenders.size(); i++) {
            md.append("---:|");
        }
        md.append('\n');
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (Result r : results) {
            String where = rowParams(r, varying, showThreads);
            for (Map.Entry<String, Result.Metric> e : r.secondary().entrySet()) {
                if (e.getValue().unit().equals("#")) {
                    rows.computeIfAbsent("`" + r.method() + "` " + e.getKey() + where,
                            k -> new LinkedHashMap<>())
                            .put(r.contender(), num(e.getValue().score()));
                }
            }
            Result.Metric handoffs = r.secondary().get("handoffs");
            Result.Metric reacquisitions = r.secondary().get("reacquisitions");
            if (handoffs != null && reacquisitions != null) {
                double share = handoffs.score() / (handoffs.score() + reacquisitions.score());
                rows.computeIfAbsent("`" + r.method() + "` hand-off share" + where,
                        k -> new LinkedHashMap<>())
                        .put(r.contender(), String.format(Locale.ROOT, "%.1f%%", 100 * share));
            }
        }
        for (Map.Entry<String, Map<String, String>> row : rows.entrySet()) {
            md.append("| ").append(row.getKey()).append(" |");
            for (String c : contenders) {
                md.append(' ').append(row.getValue().getOrDefault(c, "—")).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static void allocation(StringBuilder md, List<Result> all) {
        List<Result> results = select(all, r -> r.secondary().containsKey("gc.alloc.rate.norm"));
        if (results.isEmpty()) {
            return;
        }
        md.append("## 5. Allocation per operation (`-prof gc`)\n\n");
        md.append("`gc.alloc.rate.norm`: bytes allocated per benchmark operation, from the same"
                + " runs as the tables above. `(×r)`: the contender's bytes divided by"
                + " multilock's.\n\n");
        List<String> contenders = contenders(results);
        Map<String, List<Result>> byScenario = new LinkedHashMap<>();
        for (Result r : results) {
            byScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Result>> e : byScenario.entrySet()) {
            List<Result> scenario = e.getValue();
            Set<String> varying = varyingParams(scenario, fixedParams(scenario));
            md.append("**").append(e.getKey()).append("**\n\n");
            boolean threads = scenario.stream().map(Result::threads).distinct().count() > 1
                    || scenario.get(0).threads() > 1;
            table(md, scenario, contenders, varying, threads,
                    r -> Map.of(r.method(), r.secondary().get("gc.alloc.rate.norm")));
        }
    }

    /** Lists the benchmarks that failed, as run.sh extracted them from the JMH logs. */
    private static void failures(StringBuilder md, String failures) {
        if (failures == null || failures.isBlank()) {
            return;
        }
        md.append("## Failures\n\nThese benchmarks failed, so they have no score above (from"
                + " the JMH logs of the run):\n\n```\n").append(failures.strip())
                .append("\n```\n\n");
    }

    // ---- helpers ----

    static List<Result> select(List<Result> results, Predicate<Result> filter) {
        List<Result> selected = new ArrayList<>();
        for (Result r : results) {
            if (filter.test(r)) {
                selected.add(r);
            }
        }
        return selected;
    }

    /**
     * The contenders present, in the order of {@link Contender}, then of {@link KeyedContender}
     * (whose names are not already there), then any unknown ones.
     */
    static List<String> contenders(List<Result> results) {
        Set<String> present = new LinkedHashSet<>();
        for (Result r : results) {
            present.add(r.contender());
        }
        List<String> ordered = new ArrayList<>();
        for (Contender c : Contender.values()) {
            if (present.remove(c.name())) {
                ordered.add(c.name());
            }
        }
        for (KeyedContender c : KeyedContender.values()) {
            if (present.remove(c.name())) {
                ordered.add(c.name());
            }
        }
        ordered.addAll(present);
        return ordered;
    }

    /** Parameters that have one value in every result of the list. */
    private static Map<String, String> fixedParams(List<Result> results) {
        Map<String, String> fixed = new LinkedHashMap<>(results.get(0).params());
        for (Result r : results) {
            fixed.entrySet().removeIf(e -> !e.getValue().equals(r.params().get(e.getKey())));
        }
        return fixed;
    }

    private static Set<String> varyingParams(List<Result> results, Map<String, String> fixed) {
        Set<String> varying = new TreeSet<>();
        for (Result r : results) {
            varying.addAll(r.params().keySet());
        }
        varying.removeAll(fixed.keySet());
        return varying;
    }

    private static String rowParams(Result r, Set<String> varying, boolean showThreads) {
        StringBuilder sb = new StringBuilder();
        for (String p : varying) {
            String v = r.params().get(p);
            if (v != null) {
                sb.append(sb.length() == 0 ? " " : ", ").append(p).append('=').append(v);
            }
        }
        if (showThreads) {
            sb.append(sb.length() == 0 ? " " : ", ").append(r.threads()).append(" threads");
        }
        if (!r.settings().isEmpty()) {
            sb.append(" [").append(settingsLabel(r.settings())).append(']');
        }
        return sb.toString();
    }

    /** The JVM settings of a variant row, e.g. {@code spins=64}. */
    static String settingsLabel(Map<String, String> settings) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append('=')
                    .append(e.getValue());
        }
        return sb.toString();
    }

    /**
     * How many times more a contender costs than the reference: time over time, or throughput
     * over throughput inverted.
     */
    static double cost(Result.Metric contender, Result.Metric reference) {
        return contender.lowerIsBetter() || contender.unit().equals("B/op")
                ? contender.score() / reference.score()
                : reference.score() / contender.score();
    }

    static String scoreWithError(Result.Metric m) {
        String s = num(m.score());
        return Double.isNaN(m.error()) ? s : s + " ±" + num(m.error());
    }

    static String ratio(double r) {
        if (Double.isNaN(r) || Double.isInfinite(r)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, r >= 10 ? "%.0f" : "%.2f", r);
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * Finds one result.
     *
     * @return the result, or null if the run did not produce it
     */
    static Result find(List<Result> results, String scenario, String method, String contender,
            int threads, Map<String, String> params) {
        return find(results, scenario, method, contender, threads, params, Map.of());
    }

    /**
     * Finds one result run with some JVM settings ({@link Result#settings()}).
     *
     * @return the result, or null if the run did not produce it
     */
    static Result find(List<Result> results, String scenario, String method, String contender,
            int threads, Map<String, String> params, Map<String, String> settings) {
        for (Result r : results) {
            if (!r.settings().equals(settings)) {
                continue;
            }
            if (r.scenario().equals(scenario) && r.method().equals(method)
                    && r.contender().equals(contender)
                    && (threads <= 0 || r.threads() == threads)
                    && params.entrySet().stream()
                            .allMatch(e -> Objects.equals(r.params().get(e.getKey()),
                                    e.getValue()))) {
                return r;
            }
        }
        return null;
    }
}
