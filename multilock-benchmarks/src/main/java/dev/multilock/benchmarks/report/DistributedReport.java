package dev.multilock.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report of {@code run.sh distributed} (issue 13): multilock-postgres, Redisson's
 * {@code RReadWriteLock} and Curator's {@code InterProcessReadWriteLock}, from the JSON files of
 * {@code DistributedScenarios} (one per scenario, contender and round). Writes
 * {@code DIR/distributed.md} (the targets, then a table per scenario) and
 * {@code DIR/distributed.png} (the ratios of scenarios 1 to 3, and the failover times of
 * scenario 5).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.multilock.benchmarks.report.DistributedReport
 * --out DIR [--title TEXT] [--machine FILE] [--readme README] [--readme-summary README]
 * [--chart-path PATH] FILE.json...}. {@code --readme} copies the whole report between the
 * markers {@code <!-- run.sh: distributed results begin -->} and {@code ... end -->} of the
 * module README, {@code --readme-summary} the targets and the chart between the same markers of
 * the top-level README; {@code --chart-path} is where the chart lies, seen from the module
 * README (the top-level README's links add {@code multilock-benchmarks/}).
 *
 * <p>Figures are means over rounds with their (min–max) over rounds. Every ratio is oriented so
 * that <b>r &gt; 1 means multilock is better</b>: the best peer's time over multilock's, or
 * multilock's throughput over the best peer's; the best peer is the one with the better mean.
 * A ratio target is met only when it holds in every round.
 */
public final class DistributedReport {

    static final String OURS = "MULTILOCK";
    static final List<String> PEERS = List.of("REDISSON", "CURATOR");
    static final Map<String, String> LABELS = Map.of("MULTILOCK", "multilock-postgres",
            "REDISSON", "Redisson", "CURATOR", "Curator");

    private DistributedReport() {}

    /**
     * One run of {@code DistributedScenarios}.
     *
     * @param scenario the scenario's name
     * @param contender the contender
     * @param round the round
     * @param json the run's JSON
     */
    record Run(String scenario, String contender, int round, JsonNode json) {}

    /**
     * A figure of scenarios 1 to 3 that a target compares.
     *
     * @param number the scenario's number in the issue
     * @param label what it is, for the tables
     * @param scenario the scenario's name in the JSON
     * @param value the figure of a run
     * @param higherIsBetter whether more is better (throughput) or less (time)
     * @param unit the figure's unit
     */
    record Metric(int number, String label, String scenario, ToDoubleFunction<JsonNode> value,
            boolean higherIsBetter, String unit) {}

    /** The figures the targets of scenarios 1 to 3 compare. */
    static final List<Metric> METRICS = List.of(
            new Metric(1, "uncontended SHARED acquire + release, p50", "uncontended",
                    j -> phase(j, 0).path("pairMicros").path("p50").asDouble(Double.NaN), false,
                    "µs"),
            new Metric(1, "uncontended EXCLUSIVE acquire + release, p50", "uncontended",
                    j -> phase(j, 1).path("pairMicros").path("p50").asDouble(Double.NaN), false,
                    "µs"),
            new Metric(2, "throughput 90:10, one key", "throughput", j -> pairs(j, 0), true,
                    "pairs/s"),
            new Metric(2, "throughput 90:10, 16 keys", "throughput", j -> pairs(j, 1), true,
                    "pairs/s"),
            new Metric(2, "throughput 50:50, one key", "throughput", j -> pairs(j, 2), true,
                    "pairs/s"),
            new Metric(2, "throughput 50:50, 16 keys", "throughput", j -> pairs(j, 3), true,
                    "pairs/s"),
            new Metric(3, "hand-off to another process, p50", "handoff",
                    j -> phase(j, 0).path("crossLatencyMicros").path("p50")
                            .asDouble(Double.NaN), false, "µs"),
            new Metric(3, "hand-offs: EXCLUSIVE pairs per second", "handoff",
                    j -> pairs(j, 0), true, "pairs/s"));

    private static JsonNode phase(JsonNode j, int i) {
        return j.path("phases").path(i);
    }

    private static double pairs(JsonNode j, int i) {
        return phase(j, i).path("pairsPerSecond").asDouble(Double.NaN);
    }

    /**
     * Runs the report; see the class comment for the arguments.
     *
     * @param args the command line
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        ReportArgs a = ReportArgs.parse(args, "Distributed locks",
                Set.of("--readme-summary", "--chart-path"), "DistributedReport --out DIR"
                + " [--title TEXT] [--machine FILE] [--readme README] [--readme-summary README]"
                + " [--chart-path PATH] FILE.json...");
        Path out = a.out();
        String title = a.title();
        String machine = a.machine();
        Path readme = a.readme();
        Path summaryReadme = a.extra().containsKey("readme-summary")
                ? Path.of(a.extra().get("readme-summary")) : null;
        String chartPath = a.extra().get("chart-path");
        List<Path> inputs = a.inputs();
        List<Run> runs = new ArrayList<>();
        for (Path in : inputs) {
            if (!Files.exists(in)) {
                System.err.println("distributed report: no " + in + " (that run failed)");
                continue;
            }
            JsonNode j = Report.JSON.readTree(Files.readString(in, StandardCharsets.UTF_8));
            runs.add(new Run(j.path("scenario").asText(), j.path("contender").asText(),
                    j.path("round").asInt(1), j));
        }
        Files.createDirectories(out);
        boolean chart = chart(runs, out.resolve("distributed.png"));
        String md = markdown(runs, title, machine, chart ? "distributed.png" : null);
        Files.writeString(out.resolve("distributed.md"), md, StandardCharsets.UTF_8);
        System.out.println("distributed report: " + runs.size() + " runs -> "
                + out.resolve("distributed.md"));
        String png = chart && chartPath != null ? chartPath + "/distributed.png" : null;
        if (readme != null) {
            String section = Report.demote(markdown(runs, title, machine, png), 2);
            Files.writeString(readme, Report.splice(Files.readString(readme,
                    StandardCharsets.UTF_8), section, "distributed"), StandardCharsets.UTF_8);
            System.out.println("distributed report: tables copied into " + readme);
        }
        if (summaryReadme != null) {
            String section = summary(runs, title, machine,
                    png == null ? null : "multilock-benchmarks/" + png);
            Files.writeString(summaryReadme, Report.splice(Files.readString(summaryReadme,
                    StandardCharsets.UTF_8), section, "distributed"), StandardCharsets.UTF_8);
            System.out.println("distributed report: summary copied into " + summaryReadme);
        }
    }

    // ---- the arithmetic ----

    /**
     * A metric of multilock against its best peer, round by round.
     *
     * @param ours multilock's values, by round
     * @param best the best peer's name
     * @param peer its values, by round
     * @param ratios the ratios, oriented so that more than 1 means multilock is better
     */
    record Comparison(double[] ours, String best, double[] peer, double[] ratios) {}

    /**
     * Compares multilock with the best peer that ran as many rounds.
     *
     * @param runs every run
     * @param m the metric
     * @return the comparison, or null if multilock or every peer lacks the runs
     */
    static Comparison compare(List<Run> runs, Metric m) {
        double[] ours = values(runs, m.scenario(), OURS, m.value());
        Map<String, double[]> peers = new LinkedHashMap<>();
        for (String p : PEERS) {
            double[] v = values(runs, m.scenario(), p, m.value());
            if (v.length == ours.length && v.length > 0) {
                peers.put(p, v);
            }
        }
        String best = bestPeer(peers, m.higherIsBetter());
        if (ours.length == 0 || best == null) {
            return null;
        }
        return new Comparison(ours, best, peers.get(best),
                ratios(ours, peers.get(best), m.higherIsBetter()));
    }

    /**
     * A figure of each round of one scenario and contender, in round order.
     *
     * @param runs every run
     * @param scenario the scenario
     * @param contender the contender
     * @param f the figure
     * @return one value per round (empty if the contender has no such run)
     */
    static double[] values(List<Run> runs, String scenario, String contender,
            ToDoubleFunction<JsonNode> f) {
        return runs.stream().filter(r -> r.scenario().equals(scenario)
                && r.contender().equals(contender))
                .sorted(Comparator.comparingInt(Run::round))
                .mapToDouble(r -> f.applyAsDouble(r.json())).toArray();
    }

    /**
     * The ratio of each round, oriented so that more than 1 means multilock is better.
     *
     * @param ours multilock's values, by round
     * @param peer the peer's, by round (as many)
     * @param higherIsBetter whether more is better
     * @return ours ÷ peer when more is better, else peer ÷ ours, round by round
     */
    static double[] ratios(double[] ours, double[] peer, boolean higherIsBetter) {
        if (ours.length != peer.length) {
            throw new IllegalArgumentException("rounds differ: " + ours.length + " and "
                    + peer.length);
        }
        double[] r = new double[ours.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = higherIsBetter ? ours[i] / peer[i] : peer[i] / ours[i];
        }
        return r;
    }

    /**
     * The peer with the better mean.
     *
     * @param peers each peer's values, by name
     * @param higherIsBetter whether more is better
     * @return the best peer's name, or null if no peer has a value
     */
    static String bestPeer(Map<String, double[]> peers, boolean higherIsBetter) {
        String best = null;
        double bestMean = Double.NaN;
        for (Map.Entry<String, double[]> e : peers.entrySet()) {
            double m = mean(e.getValue());
            if (Double.isNaN(m)) {
                continue;
            }
            if (best == null || (higherIsBetter ? m > bestMean : m < bestMean)) {
                best = e.getKey();
                bestMean = m;
            }
        }
        return best;
    }

    /**
     * How many rounds meet a ratio target (a ratio of at least 1).
     *
     * @param ratios the ratios, by round
     * @return the rounds that meet it
     */
    static int roundsMet(double[] ratios) {
        return (int) Arrays.stream(ratios).filter(r -> r >= 1.0).count();
    }

    /**
     * Whether a target of the form "the only one of the three that passes" is met: multilock
     * passes in every round, and no peer does.
     *
     * @param passes whether each contender passed, round by round
     * @return whether the target is met
     */
    static boolean onlyOursPasses(Map<String, boolean[]> passes) {
        boolean[] ours = passes.get(OURS);
        if (ours == null || ours.length == 0 || !all(ours)) {
            return false;
        }
        for (Map.Entry<String, boolean[]> e : passes.entrySet()) {
            if (!e.getKey().equals(OURS) && e.getValue().length > 0 && all(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean all(boolean[] b) {
        for (boolean x : b) {
            if (!x) {
                return false;
            }
        }
        return true;
    }

    static double mean(double[] v) {
        DoubleSummaryStatistics s = Arrays.stream(v).filter(x -> !Double.isNaN(x))
                .summaryStatistics();
        return s.getCount() == 0 ? Double.NaN : s.getAverage();
    }

    /**
     * A figure over rounds: its mean, then (min–max) when there are several rounds.
     *
     * @param v the values, by round
     * @return e.g. {@code "412 (398–430)"}
     */
    static String cell(double[] v) {
        DoubleSummaryStatistics s = Arrays.stream(v).filter(x -> !Double.isNaN(x))
                .summaryStatistics();
        if (s.getCount() == 0) {
            return "n/a";
        }
        String c = Report.num(s.getAverage());
        return s.getCount() > 1 ? c + " (" + Report.num(s.getMin()) + "–"
                + Report.num(s.getMax()) + ")" : c;
    }

    private static boolean[] passes(List<Run> runs, String scenario, String contender,
            java.util.function.Predicate<JsonNode> pass) {
        List<Run> mine = runs.stream().filter(r -> r.scenario().equals(scenario)
                && r.contender().equals(contender))
                .sorted(Comparator.comparingInt(Run::round)).toList();
        boolean[] b = new boolean[mine.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = pass.test(mine.get(i).json());
        }
        return b;
    }

    private static List<String> contenders(List<Run> runs) {
        List<String> all = new ArrayList<>(List.of(OURS));
        all.addAll(PEERS);
        return all.stream().filter(c -> runs.stream().anyMatch(r -> r.contender().equals(c)))
                .toList();
    }

    // ---- Markdown ----

    static String markdown(List<Run> runs, String title, String machine, String chart) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        machine(md, machine);
        md.append(orientation());
        targets(md, runs);
        if (chart != null) {
            md.append("![ratios and failover](").append(chart).append(")\n\n");
        }
        ratioScenarios(md, runs);
        fairness(md, runs);
        kill(md, runs);
        stall(md, runs);
        return md.toString();
    }

    static String summary(List<Run> runs, String title, String machine, String chart) {
        StringBuilder md = new StringBuilder();
        md.append("#### ").append(title).append("\n\n");
        md.append(orientation());
        StringBuilder t = new StringBuilder();
        targets(t, runs);
        md.append(Report.demote(t.toString(), 3));
        if (chart != null) {
            md.append("![ratios and failover](").append(chart).append(")\n\n");
        }
        failureSummary(md, runs);
        if (machine != null) {
            md.append("Machine, servers, versions and every table: the module README.\n");
        }
        return md.toString();
    }

    /** Scenarios 5 and 6 in one row per contender, for the top-level README. */
    private static void failureSummary(StringBuilder md, List<Run> runs) {
        if (runs.stream().noneMatch(r -> r.scenario().equals("stall")
                || r.scenario().equals("kill"))) {
            return;
        }
        md.append("| contender | 5. holder killed: next grant after, ms | 6. holder stalled past"
                + " its lease: verdict | another process acquired meanwhile | the resumed"
                + " holder's check said held | it learned of the loss after, ms |\n"
                + "|---|---:|---|---|---|---:|\n");
        for (String c : contenders(runs)) {
            List<JsonNode> st = runs.stream().filter(r -> r.scenario().equals("stall")
                    && r.contender().equals(c)).sorted(Comparator.comparingInt(Run::round))
                    .map(Run::json).toList();
            Map<String, Integer> verdicts = new LinkedHashMap<>();
            int during = 0;
            int saidHeld = 0;
            for (JsonNode j : st) {
                verdicts.merge(j.path("verdict").asText().toLowerCase(Locale.ROOT)
                        .replace('_', ' '), 1, Integer::sum);
                during += j.path("acquiredDuringStall").asBoolean() ? 1 : 0;
                saidHeld += j.path("checkHeld").asBoolean() ? 1 : 0;
            }
            List<String> v = new ArrayList<>();
            verdicts.forEach((k, n) -> v.add(k + " " + n + "/" + st.size()));
            double[] learned = st.stream().mapToDouble(j -> j.path("learnedLossMillis")
                    .asDouble(-1)).filter(x -> x >= 0).toArray();
            md.append("| ").append(LABELS.get(c)).append(" | ")
                    .append(cell(values(runs, "kill", c, j -> j.path("failoverMillis")
                            .asDouble()))).append(" | ").append(String.join(", ", v))
                    .append(" | ").append(during).append('/').append(st.size()).append(" | ")
                    .append(saidHeld).append('/').append(st.size()).append(" | ")
                    .append(learned.length == 0 ? "never (" + (during == 0 ? "it had not lost"
                            : "it did not learn") + ")" : cell(learned)).append(" |\n");
        }
        md.append('\n');
    }

    private static void machine(StringBuilder md, String machine) {
        if (machine != null && !machine.isBlank()) {
            md.append("Machine, servers and run:\n\n```\n").append(machine.strip())
                    .append("\n```\n\n");
        }
    }

    private static String orientation() {
        return "Figures are means over rounds, (min–max) over rounds. Every ratio is taken so"
                + " that **r > 1 means multilock-postgres is better**: the best peer's time over"
                + " multilock's, or multilock's throughput over the best peer's (the best peer:"
                + " the one with the better mean); a ratio target is met only when it holds in"
                + " every round.\n\n";
    }

    private static void targets(StringBuilder md, List<Run> runs) {
        md.append("## Targets (issue 13)\n\n");
        md.append("| scenario | target | measured | met |\n|---|---|---:|:---:|\n");
        for (Metric m : METRICS) {
            Comparison c = compare(runs, m);
            if (c == null) {
                continue;
            }
            double[] over = m.higherIsBetter() ? c.ours() : c.peer();
            double[] under = m.higherIsBetter() ? c.peer() : c.ours();
            int met = roundsMet(c.ratios());
            int n = c.ratios().length;
            md.append("| ").append(m.number()).append(" | ").append(m.label())
                    .append(": multilock ≥ 1.0× the best peer (").append(LABELS.get(c.best()))
                    .append(") | ").append(PostgresReport.ratioCell(over, under)).append(" | ")
                    .append(met == n ? "yes" : "**no**" + (met > 0 ? " (" + met + " of " + n
                            + " rounds)" : "")).append(" |\n");
        }
        Map<String, boolean[]> fair = new LinkedHashMap<>();
        Map<String, boolean[]> safe = new LinkedHashMap<>();
        for (String c : contenders(runs)) {
            fair.put(c, passes(runs, "fairness", c, j -> j.path("pass").asBoolean()));
            safe.put(c, passes(runs, "stall", c,
                    j -> !j.path("verdict").asText().equals("STALE_WRITE_ACCEPTED")));
        }
        if (fair.getOrDefault(OURS, new boolean[0]).length > 0) {
            md.append("| 4 | the only one that does not starve the writer | ")
                    .append(passList(fair)).append(" | ")
                    .append(onlyOursPasses(fair) ? "yes" : "**no**").append(" |\n");
        }
        if (safe.getOrDefault(OURS, new boolean[0]).length > 0) {
            md.append("| 6 | the only one whose stalled holder keeps exclusion or is stopped by"
                    + " its fencing token | ").append(passList(safe)).append(" | ")
                    .append(onlyOursPasses(safe) ? "yes" : "**no**").append(" |\n");
        }
        md.append('\n');
    }

    /** "multilock-postgres 3/3, Redisson 0/3, ..." : rounds passed of each contender. */
    private static String passList(Map<String, boolean[]> passes) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, boolean[]> e : passes.entrySet()) {
            int n = 0;
            for (boolean b : e.getValue()) {
                n += b ? 1 : 0;
            }
            parts.add(LABELS.get(e.getKey()) + " " + n + "/" + e.getValue().length);
        }
        return String.join(", ", parts);
    }

    private static void ratioScenarios(StringBuilder md, List<Run> runs) {
        List<String> cs = contenders(runs);
        md.append("## Scenarios 1 to 3: latency and throughput\n\n");
        md.append("1: two processes, one thread each, each on a key of its own, acquire + release"
                + " back to back. 2: two processes × two threads, acquire + release with no work"
                + " in between, SHARED:EXCLUSIVE 90:10 or 50:50, on one key or 16. 3: two"
                + " processes, one thread each, one key EXCLUSIVE back to back: from a release"
                + " in one process to the grant in the other. p99 and the waits are in the JSON"
                + " files.\n\n");
        md.append("| scenario | unit |");
        for (String c : cs) {
            md.append(' ').append(LABELS.get(c)).append(" |");
        }
        md.append("\n|---|---|").append("---:|".repeat(cs.size())).append('\n');
        for (Metric m : METRICS) {
            md.append("| ").append(m.number()).append(". ").append(m.label()).append(" | ")
                    .append(m.unit()).append(m.higherIsBetter() ? " (more is better)"
                            : " (less is better)").append(" |");
            for (String c : cs) {
                md.append(' ').append(cell(values(runs, m.scenario(), c, m.value())))
                        .append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static void fairness(StringBuilder md, List<Run> runs) {
        List<Run> f = runs.stream().filter(r -> r.scenario().equals("fairness")).toList();
        if (f.isEmpty()) {
            return;
        }
        JsonNode first = f.get(0).json();
        md.append("## Scenario 4: a writer among readers\n\n");
        md.append(String.format(Locale.ROOT, "%d reader processes × %d threads each hold the key"
                + " SHARED for %d ms, staggered so that some reader always holds it; a writer"
                + " process asks for it EXCLUSIVE %d ms after its previous turn, for %s s. A"
                + " request still waiting a second after the window counts with the wait it had"
                + " then. Pass (not starved): every writer request granted and a 99th percentile"
                + " wait of at most 10 reader holds.\n\n", first.path("readers").asInt(),
                first.path("readerThreads").asInt(), first.path("readerHoldMillis").asInt(),
                first.path("writerPauseMillis").asInt(), Report.num(first.path("seconds")
                        .asDouble())));
        md.append("| contender | writer grants / requests | reader grants | writer wait p50 ms |"
                + " p99 ms | max ms | passed |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (String c : contenders(runs)) {
            double[] grants = values(runs, "fairness", c, j -> j.path("writerGrants").asDouble());
            double[] reqs = values(runs, "fairness", c, j -> j.path("writerRequests")
                    .asDouble());
            boolean[] pass = passes(runs, "fairness", c, j -> j.path("pass").asBoolean());
            int passed = 0;
            for (boolean b : pass) {
                passed += b ? 1 : 0;
            }
            md.append("| ").append(LABELS.get(c)).append(" | ").append(cell(grants))
                    .append(" / ").append(cell(reqs)).append(" | ")
                    .append(cell(values(runs, "fairness", c, j -> j.path("readerGrants")
                            .asDouble()))).append(" | ")
                    .append(cell(values(runs, "fairness", c, j -> j.path("writerWaitP50Millis")
                            .asDouble(Double.NaN)))).append(" | ")
                    .append(cell(values(runs, "fairness", c, j -> j.path("writerWaitP99Millis")
                            .asDouble(Double.NaN)))).append(" | ")
                    .append(cell(values(runs, "fairness", c, j -> j.path("writerWaitMaxMillis")
                            .asDouble(Double.NaN)))).append(" | ").append(passed).append('/')
                    .append(pass.length).append(" |\n");
        }
        md.append('\n');
    }

    private static void kill(StringBuilder md, List<Run> runs) {
        if (runs.stream().noneMatch(r -> r.scenario().equals("kill"))) {
            return;
        }
        md.append("## Scenario 5: the holder is killed\n\n");
        md.append("A holder process holds the key EXCLUSIVE and another process waits for it;"
                + " the holder is killed with SIGKILL. Time from the kill to the waiter's grant,"
                + " in ms; each round's value after the mean.\n\n");
        md.append("| contender | lease | failover ms | rounds |\n|---|---|---:|---|\n");
        for (String c : contenders(runs)) {
            double[] v = values(runs, "kill", c, j -> j.path("failoverMillis").asDouble());
            double lease = mean(values(runs, "kill", c, j -> j.path("leaseMillis").asDouble()));
            md.append("| ").append(LABELS.get(c)).append(" | ").append(lease(c, lease))
                    .append(" | ").append(cell(v)).append(" | ").append(list(v)).append(" |\n");
        }
        md.append('\n');
    }

    /** What bounds a dead holder's hold, for each contender. */
    private static String lease(String contender, double leaseMillis) {
        return switch (contender) {
            case "REDISSON" -> String.format(Locale.ROOT, "lockWatchdogTimeout %.0f ms",
                    leaseMillis);
            case "CURATOR" -> String.format(Locale.ROOT, "session timeout %.0f ms", leaseMillis);
            default -> "the database session (heartbeat 2 s)";
        };
    }

    private static String list(double[] v) {
        List<String> s = new ArrayList<>();
        for (double x : v) {
            s.add(Report.num(x));
        }
        return String.join(", ", s);
    }

    private static void stall(StringBuilder md, List<Run> runs) {
        List<Run> st = runs.stream().filter(r -> r.scenario().equals("stall"))
                .sorted(Comparator.comparing((Run r) -> contenders(runs).indexOf(r.contender()))
                        .thenComparingInt(Run::round)).toList();
        if (st.isEmpty()) {
            return;
        }
        md.append("## Scenario 6: a stalled holder\n\n");
        md.append(String.format(Locale.ROOT, "A holder process holds the key EXCLUSIVE (taking"
                + " its fencing token at the grant) and another process waits for it; the holder"
                + " is stopped (SIGSTOP) for %s s, longer than the peers' lease, then resumed"
                + " (SIGCONT) and at once checks its lock with the API its library offers, then"
                + " writes to a store that refuses a token lower than one it has accepted (a"
                + " write without a token cannot be refused), watches its lock for %s s more,"
                + " and releases. The waiter writes to the same store as soon as it is"
                + " granted.\n\n", Report.num(st.get(0).json().path("stallSeconds").asDouble()),
                Report.num(learnSeconds(st.get(0).json()))));
        md.append("| contender | round | another process acquired during the stop | holder's"
                + " check right after resuming | it learned of the loss after | its write |"
                + " its release | store | verdict |\n|---|---:|---|---|---|---|---|---|---|\n");
        for (Run r : st) {
            JsonNode j = r.json();
            boolean during = j.path("acquiredDuringStall").asBoolean();
            double learned = j.path("learnedLossMillis").asDouble(-1);
            md.append("| ").append(LABELS.get(r.contender())).append(" | ").append(r.round())
                    .append(" | ").append(during ? "yes, " + Report.num(j.path(
                            "waiterGrantAfterStopMillis").asDouble()) + " ms after the stop"
                            : "no; granted " + Report.num(j.path("waiterGrantAfterResumeMillis")
                                    .asDouble()) + " ms after the resume")
                    .append(" | `").append(j.path("checkWhat").asText()).append("` | ")
                    .append(learned < 0 ? "not within " + Report.num(learnSeconds(j))
                            + " s (last: `" + j.path("lastCheckWhat").asText() + "`)"
                            : Report.num(learned) + " ms")
                    .append(" | ").append(j.path("writeAccepted").asBoolean() ? "accepted"
                            : "refused").append(" | ").append(j.path("release").asText()
                                    .replace("|", "\\|"))
                    .append(" | ").append(storeCell(j)).append(" | ")
                    .append(j.path("verdict").asText().toLowerCase(Locale.ROOT).replace('_', ' '))
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** How long the resumed holder watched its lock (3 s in runs that did not say). */
    private static double learnSeconds(JsonNode j) {
        return j.path("learnMillis").asDouble(3000) / 1000;
    }

    private static String storeCell(JsonNode j) {
        List<String> s = new ArrayList<>();
        for (JsonNode w : j.path("store")) {
            s.add(w.asText());
        }
        return String.join("; ", s);
    }

    // ---- the chart ----

    /** A logarithmic y axis, each value a dot: bars cannot start at zero on a log axis. */
    private static void logDots(CategoryChart c) {
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setDefaultSeriesRenderStyle(
                CategorySeries.CategorySeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(14);
    }

    /** Writes the chart; false if the runs have nothing to draw. */
    static boolean chart(List<Run> runs, Path png) throws IOException {
        List<Chart<?, ?>> charts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> lows = new ArrayList<>();
        List<Double> highs = new ArrayList<>();
        for (Metric m : METRICS) {
            Comparison c = compare(runs, m);
            if (c != null) {
                labels.add(m.number() + ". " + m.label().replace(", p50", "")
                        .replace("acquire + release", "").replace("throughput ", "")
                        .replace("hand-offs: EXCLUSIVE pairs per second", "pairs per second")
                        .replace("hand-off to another process", "hand-off latency"));
                // the table's ratio (of the means), and the lowest and highest round's
                ratios.add(m.higherIsBetter() ? mean(c.ours()) / mean(c.peer())
                        : mean(c.peer()) / mean(c.ours()));
                lows.add(Arrays.stream(c.ratios()).min().orElse(Double.NaN));
                highs.add(Arrays.stream(c.ratios()).max().orElse(Double.NaN));
            }
        }
        if (!ratios.isEmpty()) {
            CategoryChart c = new CategoryChartBuilder().width(800).height(520)
                    .title("multilock-postgres ÷ best peer (> 1: multilock better)")
                    .yAxisTitle("ratio of the means; worst and best round").build();
            c.getStyler().setXAxisLabelRotation(45);
            logDots(c);
            c.addSeries("ratio of the means", labels, ratios);
            c.addSeries("worst round", labels, lows).setMarker(SeriesMarkers.TRIANGLE_DOWN)
                    .setMarkerColor(Color.GRAY);
            c.addSeries("best round", labels, highs).setMarker(SeriesMarkers.TRIANGLE_UP)
                    .setMarkerColor(Color.GRAY);
            List<Double> parity = new ArrayList<>();
            for (int i = 0; i < labels.size(); i++) {
                parity.add(1.0);
            }
            c.addSeries("1.0: as good as the best peer", labels, parity)
                    .setChartCategorySeriesRenderStyle(
                            CategorySeries.CategorySeriesRenderStyle.Line)
                    .setMarker(SeriesMarkers.NONE).setLineColor(Color.RED);
            charts.add(c);
        }
        List<String> names = new ArrayList<>();
        List<Double> failover = new ArrayList<>();
        for (String c : contenders(runs)) {
            double m = mean(values(runs, "kill", c, j -> j.path("failoverMillis").asDouble()));
            if (!Double.isNaN(m)) {
                names.add(LABELS.get(c));
                failover.add(m);
            }
        }
        if (!failover.isEmpty()) {
            CategoryChart c = new CategoryChartBuilder().width(800).height(520)
                    .title("5. holder killed: time to the next grant")
                    .yAxisTitle("ms, mean over rounds (log)").build();
            c.getStyler().setLegendVisible(false);
            logDots(c);
            c.addSeries("failover", names, failover);
            charts.add(c);
        }
        if (charts.isEmpty()) {
            return false;
        }
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), png.toString(),
                BitmapEncoder.BitmapFormat.PNG);
        return true;
    }
}
