package dev.multilock.benchmarks.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tables of the runs that compare one benchmark point under several JVM settings, or look at
 * it iteration by iteration: what a JFR recording costs ({@code run.sh jfr}), the spin count of a
 * waiting thread ({@code run.sh spins}) and the first iterations of a fork ({@code run.sh
 * warmup}). Each table is written only when the run has such results.
 */
final class Variants {

    private static final String JFR = "jfr";
    private static final String SPINS = "spins";

    private Variants() {}

    /**
     * Writes the JFR and spin-count tables.
     *
     * @param md where to write
     * @param results every result of the run
     */
    static void markdown(StringBuilder md, List<Result> results) {
        jfr(md, results);
        spins(md, results);
    }

    // ---- JFR ----

    private static void jfr(StringBuilder md, List<Result> results) {
        StringBuilder rows = new StringBuilder();
        for (Result on : results) {
            if (!"on".equals(on.settings().get(JFR))) {
                continue;
            }
            Map<String, String> plain = new TreeMap<>(on.settings());
            plain.remove(JFR);
            Result off = Report.find(results, on.scenario(), on.method(), on.contender(),
                    on.threads(), on.params(), plain);
            if (off == null || off.threads() != on.threads()) {
                continue;
            }
            rows.append("| `").append(on.method()).append("` | ").append(on.contender())
                    .append(" | ").append(on.primary().unit()).append(" | ")
                    .append(Report.scoreWithError(off.primary())).append(" | ")
                    .append(Report.scoreWithError(on.primary())).append(" | ")
                    .append(ratioWithSpread(on.primary(), off.primary())).append(" |\n");
        }
        if (rows.length() == 0) {
            return;
        }
        md.append("## JFR recording cost (issue #11)\n\n");
        md.append("The same benchmark points with and without a JDK Flight Recorder recording"
                + " (`-XX:StartFlightRecording` with `dev.multilock.Wait` at threshold 0), same"
                + " run. The uncontended paths take no `dev.multilock.Wait` event, so the"
                + " recording should change nothing but the recorder's own background work,"
                + " which the ReentrantReadWriteLock rows show. Ratio: with ÷ without, of the"
                + " means; (min–max): fork by fork (round i with round i).\n\n");
        md.append("| benchmark | contender | unit | without | with recording | with ÷ without"
                + " |\n|---|---|---|---:|---:|---:|\n");
        md.append(rows).append('\n');
    }

    // ---- spin count ----

    private static void spins(StringBuilder md, List<Result> results) {
        // point (scenario, method, threads, params, contender) -> spins -> result
        Map<String, Map<Integer, Result>> points = new LinkedHashMap<>();
        TreeSet<Integer> counts = new TreeSet<>();
        for (Result r : results) {
            String n = r.settings().get(SPINS);
            if (n == null) {
                continue;
            }
            int spins;
            try {
                spins = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                continue;
            }
            counts.add(spins);
            points.computeIfAbsent(pointLabel(r) + " | " + r.contender(),
                    k -> new TreeMap<>()).put(spins, r);
        }
        if (points.isEmpty()) {
            return;
        }
        md.append("## Spin count of a waiting thread (`-Dmultilock.lockfree.spins=N`)\n\n");
        md.append("The same benchmark points at each spin count N (how often a thread waiting in"
                + " `lock()` checks for its grant before it parks), same run. Cells: the mean"
                + " score and (min–max) over forks; the `÷` rows divide it by the peer's (run"
                + " once, without the option) in the same way, fork by fork. Pick the N whose"
                + " row is best where it matters, and whose spread is narrow.\n\n");
        md.append("| point | contender | unit |");
        for (int n : counts) {
            md.append(" N=").append(n).append(" |");
        }
        md.append("\n|---|---|---|");
        for (int i = 0; i < counts.size(); i++) {
            md.append("---:|");
        }
        md.append('\n');
        for (Map.Entry<String, Map<Integer, Result>> e : points.entrySet()) {
            Result any = e.getValue().values().iterator().next();
            md.append("| ").append(e.getKey()).append(" | ").append(any.primary().unit())
                    .append(" |");
            for (int n : counts) {
                Result r = e.getValue().get(n);
                md.append(' ').append(r == null ? "—" : scoreWithSpread(r.primary()))
                        .append(" |");
            }
            md.append('\n');
            for (String peer : new String[] {"RRWL_NONFAIR", "RRWL_FAIR"}) {
                Result p = Report.find(results, any.scenario(), any.method(), peer,
                        any.threads(), any.params());
                if (p == null || p.threads() != any.threads()) {
                    continue;
                }
                md.append("| ").append(pointLabel(any)).append(" | ÷ ").append(peer)
                        .append(" (").append(Report.num(p.primary().score())).append(' ')
                        .append(p.primary().unit()).append(") | ratio of ")
                        .append(p.primary().unit()).append(" |");
                for (int n : counts) {
                    Result r = e.getValue().get(n);
                    md.append(' ').append(r == null ? "—"
                            : ratioWithSpread(r.primary(), p.primary())).append(" |");
                }
                md.append('\n');
            }
        }
        md.append('\n');
    }

    private static String pointLabel(Result r) {
        StringBuilder sb = new StringBuilder(r.scenario()).append(" `").append(r.method())
                .append('`');
        for (Map.Entry<String, String> p : r.params().entrySet()) {
            if (!p.getKey().equals("work")) {
                sb.append(' ').append(p.getKey()).append('=').append(p.getValue());
            }
        }
        if (r.threads() > 1) {
            sb.append(", ").append(r.threads()).append(" threads");
        }
        return sb.toString();
    }

    /** {@code score (min–max)} over the forks; the score alone for one fork. */
    static String scoreWithSpread(Result.Metric m) {
        double[] forks = m.forkScores();
        String s = Report.num(m.score());
        if (forks.length < 2) {
            return s;
        }
        double[] sorted = forks.clone();
        Arrays.sort(sorted);
        return s + " (" + Report.num(sorted[0]) + "–" + Report.num(sorted[sorted.length - 1])
                + ")";
    }

    /** {@code a ÷ b} of the means, with the (min–max) of the fork-by-fork ratios. */
    static String ratioWithSpread(Result.Metric a, Result.Metric b) {
        double ratio = a.score() / b.score();
        double[] forks = Targets.forkRatios(a, b);
        String s = Report.ratio(ratio) + "×";
        if (forks.length < 2) {
            return s;
        }
        double min = Arrays.stream(forks).min().orElse(Double.NaN);
        double max = Arrays.stream(forks).max().orElse(Double.NaN);
        return s + " (" + Report.ratio(min) + "–" + Report.ratio(max) + ")";
    }

    // ---- warm-up ----

    /**
     * Writes each fork's iterations one by one, for the results run without warm-up iterations
     * ({@code -wi 0}): what the first seconds of a fork look like (issue 12, part 3).
     *
     * @param md where to write
     * @param results every result of the run
     */
    static void warmup(StringBuilder md, List<Result> results) {
        List<Result> cold = Report.select(results, r -> r.warmupIterations() == 0
                && r.primary().forks().stream().anyMatch(f -> f.size() >= 3));
        if (cold.isEmpty()) {
            return;
        }
        int width = 0;
        for (Result r : cold) {
            for (List<Double> fork : r.primary().forks()) {
                width = Math.max(width, fork.size());
            }
        }
        md.append("## Warm-up: every iteration of every fork\n\n");
        md.append("Run without warm-up iterations (`-wi 0`), so iteration 1 starts with the"
                + " fork. `first ÷ rest`: iteration 1 divided by the median of the others. Under"
                + " each fork, where the run had `-prof gc`, the collections (`gc.count`) and"
                + " their time (`gc.time`, ms) in each iteration. A slow start that goes with"
                + " collections, and goes away with a fixed, pre-touched heap (`heap=` rows), is"
                + " the collector sizing itself; one that does not is compilation (see the"
                + " `-XX:+PrintCompilation` log of the run).\n\n");
        md.append("| benchmark | contender | fork | unit |");
        for (int i = 1; i <= width; i++) {
            md.append(' ').append(i).append(" |");
        }
        md.append(" first ÷ rest |\n|---|---|---|---|");
        for (int i = 0; i <= width; i++) {
            md.append("---:|");
        }
        md.append('\n');
        for (Result r : cold) {
            String name = "`" + r.method() + "`" + (r.settings().isEmpty() ? ""
                    : " [" + Report.settingsLabel(r.settings()) + "]");
            List<List<Double>> forks = r.primary().forks();
            for (int f = 0; f < forks.size(); f++) {
                List<Double> fork = forks.get(f);
                md.append("| ").append(name).append(" | ").append(r.contender()).append(" | ")
                        .append(f + 1).append(" | ").append(r.primary().unit()).append(" |");
                iterations(md, fork, width);
                md.append(' ').append(firstOverRest(fork)).append(" |\n");
                for (String gc : new String[] {"gc.count", "gc.time"}) {
                    Result.Metric m = r.secondary().get(gc);
                    if (m != null && m.forks().size() > f) {
                        md.append("| ").append(gc).append(" | | ").append(f + 1).append(" | ")
                                .append(m.unit()).append(" |");
                        iterations(md, m.forks().get(f), width);
                        md.append(" |\n");
                    }
                }
            }
        }
        md.append('\n');
    }

    private static void iterations(StringBuilder md, List<Double> values, int width) {
        for (int i = 0; i < width; i++) {
            md.append(' ').append(i < values.size() ? Report.num(values.get(i)) : "")
                    .append(" |");
        }
    }

    private static String firstOverRest(List<Double> fork) {
        if (fork.size() < 2) {
            return "n/a";
        }
        List<Double> rest = new ArrayList<>(fork.subList(1, fork.size()));
        rest.sort(null);
        int n = rest.size();
        double median = n % 2 == 1 ? rest.get(n / 2) : (rest.get(n / 2 - 1) + rest.get(n / 2)) / 2;
        return Report.ratio(fork.get(0) / median);
    }
}
