package dev.multilock.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The report of {@code run.sh postgres}: multilock-postgres against plain JDBC advisory locks,
 * from the JMH JSON of {@code PostgresBenchmark} and the JSON files of
 * {@code CrossProcessHandoff}. Writes {@code DIR/postgres.md}: a summary table of each scenario
 * with the ratio of plain JDBC to multilock, then the full tables.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.multilock.benchmarks.report.PostgresReport --out
 * DIR [--title TEXT] [--machine FILE] [--readme README] FILE.json...}; the JMH files and the
 * cross-process files may come in any order (each is told by its content). {@code --readme}
 * copies the report between the markers {@code <!-- run.sh: postgres results begin -->} and
 * {@code <!-- run.sh: postgres results end -->} of a README.
 *
 * <p>Every ratio is taken so that <b>r &gt; 1 means multilock is better</b>: plain JDBC's time per
 * acquisition over multilock's, or multilock's throughput over plain JDBC's. After it, the
 * (min–max) of the ratio fork by fork (JMH, fork i with fork i) or round by round (the
 * cross-process runs), when there are several.
 */
public final class PostgresReport {

    static final String SCENARIO = "PostgresBenchmark";
    static final String CROSS = "CrossProcessHandoff";
    static final String JDBC = "JDBC";

    /** The multilock rows of the summary, with the way in they measure. */
    private static final String[][] MULTILOCK_ROWS = {
        {"MULTILOCK", "`acquire().join()`"},
        {"MULTILOCK_LOCK", "`lock()`"},
    };

    private PostgresReport() {}

    /**
     * One run of {@code CrossProcessHandoff}, as its JSON file gives it.
     *
     * @param contender the contender
     * @param processes the number of processes
     * @param threads threads per process
     * @param round the round
     * @param perSecond acquisitions per second, all processes
     * @param perProcess acquisitions of each process
     * @param crossPerSecond cross-process hand-offs per second
     * @param p50 median latency of a cross-process hand-off, µs (NaN if none)
     * @param p90 its 90th percentile
     * @param p99 its 99th percentile
     * @param max its maximum
     * @param localP50 median latency of a hand-off inside a process, µs (NaN if none)
     * @param waitP50 median wait of an acquisition, from its call to its grant, µs
     * @param waitP99 its 99th percentile
     * @param longestRun most consecutive acquisitions of one process
     * @param longestWaitMillis longest time a process went without the key
     * @param tokensChecked whether fencing tokens rose with every grant
     */
    record Cross(String contender, int processes, int threads, int round, double perSecond,
            long[] perProcess, double crossPerSecond, double p50, double p90, double p99,
            double max, double localP50, double waitP50, double waitP99, long longestRun,
            double longestWaitMillis,
            boolean tokensChecked) {

        static Cross of(JsonNode j) {
            JsonNode per = j.path("perProcess");
            long[] counts = new long[per.size()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = per.get(i).asLong();
            }
            JsonNode lat = j.path("crossLatencyMicros");
            return new Cross(j.path("contender").asText(), j.path("processes").asInt(),
                    j.path("threadsPerProcess").asInt(), j.path("round").asInt(1),
                    Result.number(j.get("acquisitionsPerSecond")), counts,
                    Result.number(j.get("crossHandoffsPerSecond")),
                    Result.number(lat.get("p50")), Result.number(lat.get("p90")),
                    Result.number(lat.get("p99")), Result.number(lat.get("max")),
                    Result.number(j.path("localLatencyMicros").get("p50")),
                    Result.number(j.path("waitMicros").get("p50")),
                    Result.number(j.path("waitMicros").get("p99")),
                    j.path("longestRun").asLong(), Result.number(j.get("longestWaitMillis")),
                    j.path("tokensChecked").asBoolean());
        }
    }

    /**
     * Runs the report; see the class comment for the arguments.
     *
     * @param args the command line
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        ReportArgs a = ReportArgs.parse(args, "multilock-postgres benchmarks", Set.of(),
                "PostgresReport --out DIR [--title TEXT] [--machine FILE] [--readme README]"
                + " FILE.json...");
        Path out = a.out();
        String title = a.title();
        String machine = a.machine();
        Path readme = a.readme();
        List<Path> inputs = a.inputs();
        List<Result> results = new ArrayList<>();
        List<Cross> cross = new ArrayList<>();
        for (Path in : inputs) {
            if (!Files.exists(in)) {
                System.err.println("postgres report: no " + in + " (that run failed), left out");
                continue;
            }
            String text = Files.readString(in, StandardCharsets.UTF_8);
            if (text.isBlank()) {
                continue; // a JMH run that produced nothing
            }
            JsonNode json = Report.JSON.readTree(text);
            if (json.isObject() && CROSS.equals(json.path("benchmark").asText())) {
                cross.add(Cross.of(json));
            } else {
                for (Result r : Result.fromJmh(json)) {
                    if (r.scenario().equals(SCENARIO)) {
                        results.add(r);
                    }
                }
            }
        }
        results = Result.joinForks(results);
        String md = markdown(results, cross, title, machine);
        Files.createDirectories(out);
        Files.writeString(out.resolve("postgres.md"), md, StandardCharsets.UTF_8);
        System.out.println("postgres report: " + results.size() + " JMH results, "
                + cross.size() + " cross-process runs -> " + out.resolve("postgres.md"));
        if (readme != null) {
            Files.writeString(readme, Report.splice(Files.readString(readme,
                    StandardCharsets.UTF_8), Report.demote(md, 2), "postgres"),
                    StandardCharsets.UTF_8);
            System.out.println("postgres report: tables copied into " + readme);
        }
    }

    // ---- Markdown ----

    static String markdown(List<Result> results, List<Cross> cross, String title,
            String machine) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        if (machine != null && !machine.isBlank()) {
            md.append("Machine, server and run:\n\n```\n").append(machine.strip())
                    .append("\n```\n\n");
        }
        md.append("Times are µs per acquisition (acquire + release), lower is better. Every ratio"
                + " is taken so that **r > 1 means multilock is better**: plain JDBC's time over"
                + " multilock's, or multilock's throughput over plain JDBC's; (min–max) is the"
                + " same ratio fork by fork (JMH) or round by round (cross-process runs).\n\n");
        summary(md, results, cross);
        inProcess(md, results);
        crossProcess(md, cross);
        return md.toString();
    }

    private static void summary(StringBuilder md, List<Result> results, List<Cross> cross) {
        md.append("## multilock against plain JDBC\n\n");
        md.append("| scenario | multilock | plain JDBC | JDBC ÷ multilock |\n");
        md.append("|---|---:|---:|---:|\n");
        String[][] methods = {
            {"handoff", "hand-off inside one process, %d threads, one key"},
            {"freshKeyLock", "uncontended, fresh key, waiting (`pg_advisory_lock`)"},
            {"freshKeyTry", "uncontended, fresh key, not waiting (`pg_try_advisory_lock`)"},
        };
        int rows = 0;
        for (String[] m : methods) {
            Result jdbc = find(results, m[0], JDBC);
            for (String[] row : MULTILOCK_ROWS) {
                Result ours = find(results, m[0], row[0]);
                if (ours == null || jdbc == null) {
                    continue;
                }
                String way = m[0].equals("freshKeyTry") ? "`tryAcquire()`" : row[1];
                md.append("| ").append(String.format(Locale.ROOT, m[1], ours.threads()))
                        .append(", multilock ").append(way).append(" | ")
                        .append(micros(ours)).append(" | ").append(micros(jdbc)).append(" | ")
                        .append(ratioCell(nanos(jdbc) / nanos(ours), nanosPerForks(jdbc),
                                nanosPerForks(ours)))
                        .append(" |\n");
                rows++;
            }
        }
        for (int threads : crossThreads(cross)) {
            List<Cross> ours = select(cross, "MULTILOCK", threads);
            List<Cross> jdbc = select(cross, JDBC, threads);
            if (ours.isEmpty() || jdbc.isEmpty()) {
                continue;
            }
            String where = "across " + ours.get(0).processes() + " processes × " + threads
                    + (threads == 1 ? " thread" : " threads");
            md.append("| ").append(where).append(": acquisitions per second | ")
                    .append(Report.num(mean(ours, Cross::perSecond))).append(" | ")
                    .append(Report.num(mean(jdbc, Cross::perSecond))).append(" | ")
                    .append(ratioCell(values(ours, Cross::perSecond),
                            values(jdbc, Cross::perSecond)))
                    .append(" |\n");
            md.append("| ").append(where).append(": hand-off to the other process, p50 µs | ")
                    .append(Report.num(mean(ours, Cross::p50))).append(" | ")
                    .append(Report.num(mean(jdbc, Cross::p50))).append(" | ")
                    .append(ratioCell(values(jdbc, Cross::p50), values(ours, Cross::p50)))
                    .append(" |\n");
            md.append("| ").append(where).append(": wait for the key, p99 µs | ")
                    .append(Report.num(mean(ours, Cross::waitP99))).append(" | ")
                    .append(Report.num(mean(jdbc, Cross::waitP99))).append(" | ")
                    .append(ratioCell(values(jdbc, Cross::waitP99),
                            values(ours, Cross::waitP99)))
                    .append(" |\n");
            rows++;
        }
        if (rows == 0) {
            md.append("| (no pair of multilock and plain JDBC rows in this run) | | | |\n");
        }
        md.append('\n');
    }

    private static void inProcess(StringBuilder md, List<Result> results) {
        if (results.isEmpty()) {
            return;
        }
        md.append("## In one process (`PostgresBenchmark`)\n\n");
        md.append("`handoff`: threads of one JVM take one key EXCLUSIVE back to back; score in"
                + " acquisitions per second over all threads. `freshKey*`: one thread, acquire +"
                + " release of a key nobody holds; score in ns per pair. Hand-offs: the share"
                + " of acquisitions that took the key from another thread (both contenders are"
                + " FIFO: expect 100%).\n\n");
        md.append("| method | contender | threads | score | µs per acquisition | hand-offs |\n");
        md.append("|---|---|---:|---:|---:|---:|\n");
        for (Result r : results) {
            Result.Metric h = r.secondary().get("handoffs");
            Result.Metric a = r.secondary().get("reacquisitions");
            String share = h == null || a == null || h.score() + a.score() == 0 ? "—"
                    : String.format(Locale.ROOT, "%.1f%%",
                            100 * h.score() / (h.score() + a.score()));
            md.append("| `").append(r.method()).append("` | ").append(r.contender())
                    .append(" | ").append(r.threads()).append(" | ")
                    .append(Report.scoreWithError(r.primary())).append(' ')
                    .append(r.primary().unit()).append(" | ").append(micros(r)).append(" | ")
                    .append(share).append(" |\n");
        }
        md.append('\n');
    }

    private static void crossProcess(StringBuilder md, List<Cross> cross) {
        if (cross.isEmpty()) {
            return;
        }
        md.append("## Across processes (`CrossProcessHandoff`)\n\n");
        md.append("Child JVMs contend for one key EXCLUSIVE, each with its threads taking it back"
                + " to back. Means over rounds, (min–max) over rounds for the throughput."
                + " Latency: from the release in one process to the grant in the other."
                + " Wait: from a thread's call to its grant. Longest run: most consecutive"
                + " acquisitions by one process; longest wait: longest time a process went"
                + " without the key.\n\n");
        md.append("| contender | processes × threads | rounds | acquisitions/s | per process"
                + " | cross-process hand-offs/s | hand-off p50 / p90 / p99 / max µs"
                + " | in-process hand-off p50 µs | wait p50 / p99 µs | longest run"
                + " | longest wait ms | tokens |\n");
        md.append("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
        Map<String, List<Cross>> points = new TreeMap<>();
        for (Cross c : cross) {
            String key = String.format(Locale.ROOT, "%s %03d %03d", c.contender(), c.threads(),
                    c.processes());
            points.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
        }
        for (List<Cross> runs : points.values()) {
            Cross first = runs.get(0);
            long[] perProcess = new long[first.perProcess().length];
            for (Cross c : runs) {
                for (int i = 0; i < perProcess.length && i < c.perProcess().length; i++) {
                    perProcess[i] += c.perProcess()[i];
                }
            }
            StringBuilder shares = new StringBuilder();
            for (long n : perProcess) {
                shares.append(shares.length() == 0 ? "" : " / ")
                        .append(Report.num((double) n / runs.size()));
            }
            double[] rates = values(runs, Cross::perSecond);
            md.append("| ").append(first.contender()).append(" | ").append(first.processes())
                    .append(" × ").append(first.threads()).append(" | ").append(runs.size())
                    .append(" | ").append(Report.num(mean(runs, Cross::perSecond)))
                    .append(runs.size() > 1 ? " (" + Report.num(min(rates)) + "–"
                            + Report.num(max(rates)) + ")" : "")
                    .append(" | ").append(shares).append(" | ")
                    .append(Report.num(mean(runs, Cross::crossPerSecond))).append(" | ")
                    .append(Report.num(mean(runs, Cross::p50))).append(" / ")
                    .append(Report.num(mean(runs, Cross::p90))).append(" / ")
                    .append(Report.num(mean(runs, Cross::p99))).append(" / ")
                    .append(Report.num(max(values(runs, Cross::max)))).append(" | ")
                    .append(Report.num(mean(runs, Cross::localP50))).append(" | ")
                    .append(Report.num(mean(runs, Cross::waitP50))).append(" / ")
                    .append(Report.num(mean(runs, Cross::waitP99))).append(" | ")
                    .append(runs.stream().mapToLong(Cross::longestRun).max().orElse(0))
                    .append(" | ").append(Report.num(max(values(runs,
                            Cross::longestWaitMillis))))
                    .append(" | ").append(runs.stream().allMatch(Cross::tokensChecked)
                            ? "in grant order" : "—")
                    .append(" |\n");
        }
        md.append('\n');
    }

    // ---- figures ----

    /** The time per acquisition of each fork, in ns (a throughput is inverted). */
    static double[] nanosPerForks(Result r) {
        double[] forks = r.primary().forkScores();
        double[] nanos = new double[forks.length];
        for (int i = 0; i < forks.length; i++) {
            nanos[i] = 1e9 / r.primary().opsPerSecond(forks[i]);
        }
        return nanos;
    }

    /** The mean time per acquisition, in ns, from JMH's score (a throughput is inverted). */
    private static double nanos(Result r) {
        return 1e9 / r.primary().opsPerSecond();
    }

    private static String micros(Result r) {
        return Report.num(nanos(r) / 1e3);
    }

    /** {@link #ratioCell(double, double[], double[])} with the ratio of the means. */
    static String ratioCell(double[] over, double[] under) {
        return ratioCell(average(over) / average(under), over, under);
    }

    /**
     * A ratio of the means (as the table shows them), then the (min–max) of the pairwise ratios
     * of {@code over} and {@code under}: element i with element i when both have as many, else
     * every pair.
     */
    static String ratioCell(double ratioOfMeans, double[] over, double[] under) {
        StringBuilder s = new StringBuilder("×").append(Report.ratio(ratioOfMeans));
        if (over.length > 1 || under.length > 1) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < over.length; i++) {
                for (int j = 0; j < under.length; j++) {
                    if (over.length == under.length && i != j) {
                        continue;
                    }
                    double pair = over[i] / under[j];
                    lo = Math.min(lo, pair);
                    hi = Math.max(hi, pair);
                }
            }
            s.append(" (").append(Report.ratio(lo)).append("–").append(Report.ratio(hi))
                    .append(')');
        }
        return s.toString();
    }

    private static Result find(List<Result> results, String method, String contender) {
        for (Result r : results) {
            if (r.method().equals(method) && r.contender().equals(contender)) {
                return r;
            }
        }
        return null;
    }

    private static List<Integer> crossThreads(List<Cross> cross) {
        return cross.stream().map(Cross::threads).distinct().sorted().toList();
    }

    private static List<Cross> select(List<Cross> cross, String contender, int threads) {
        return cross.stream().filter(c -> c.contender().equals(contender)
                && c.threads() == threads).toList();
    }

    /** The values of runs, in round order. */
    private static double[] values(List<Cross> runs, ToDoubleFunction<Cross> f) {
        runs = new ArrayList<>(runs);
        runs.sort((a, b) -> Integer.compare(a.round(), b.round()));
        return runs.stream().mapToDouble(f).toArray();
    }

    private static double mean(List<Cross> runs, ToDoubleFunction<Cross> f) {
        return average(values(runs, f));
    }

    private static double average(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return v.length == 0 ? Double.NaN : sum / v.length;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return v.length == 0 ? Double.NaN : m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return v.length == 0 ? Double.NaN : m;
    }
}
