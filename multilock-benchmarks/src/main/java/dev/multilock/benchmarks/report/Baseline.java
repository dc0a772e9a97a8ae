package dev.multilock.benchmarks.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Issue 12's last target, "no other row worse than before by more than its spread": every row of
 * a run against the same row of a previous run (its baseline), fork by fork.
 *
 * <p>A row is <b>worse beyond its spread</b> when even its best fork is worse than the
 * baseline's worst fork: for a time per operation, the smallest fork score of the run is above the
 * largest of the baseline; for a throughput, the largest fork score is below the smallest of the
 * baseline. Rows whose forks overlap the baseline's are within the spread, whatever their means
 * say. Only the primary metric of each row counts; counters ({@code #}) are not scores and are
 * left out, and so are rows that only one of the two runs has (listed by number).
 */
final class Baseline {

    private Baseline() {}

    /** One row present in both runs. */
    record Row(Result now, Result before) {

        /** The run's score over the baseline's: above 1 is worse for a time, better for a rate. */
        double ratio() {
            return now.primary().score() / before.primary().score();
        }

        /** Whether even the run's best fork is worse than the baseline's worst. */
        boolean worseBeyondSpread() {
            double[] n = now.primary().forkScores();
            double[] b = before.primary().forkScores();
            return now.primary().lowerIsBetter()
                    ? Arrays.stream(n).min().getAsDouble() > Arrays.stream(b).max().getAsDouble()
                    : Arrays.stream(n).max().getAsDouble() < Arrays.stream(b).min().getAsDouble();
        }
    }

    /**
     * Pairs the rows of a run with the same rows of its baseline.
     *
     * @param now the run's results (forks joined, as the report shows them)
     * @param before the baseline's results, read the same way
     * @return the rows both have, in the run's order; counters left out
     */
    static List<Row> pair(List<Result> now, List<Result> before) {
        List<Row> rows = new ArrayList<>();
        for (Result r : now) {
            if (r.primary().isCount()) {
                continue;
            }
            for (Result b : before) {
                if (b.samePoint(r) && b.primary().unit().equals(r.primary().unit())) {
                    rows.add(new Row(r, b));
                    break;
                }
            }
        }
        return rows;
    }

    /**
     * The report's section: a verdict, then every row worse beyond its spread, with both runs'
     * means and fork ranges.
     *
     * @param now the run's results
     * @param before the baseline's results
     * @param name what the baseline is, e.g. its run's title
     * @return the Markdown section
     */
    static String markdown(List<Result> now, List<Result> before, String name) {
        List<Row> rows = pair(now, before);
        List<Row> worse = new ArrayList<>();
        for (Row row : rows) {
            if (row.worseBeyondSpread()) {
                worse.add(row);
            }
        }
        StringBuilder md = new StringBuilder("## Against the previous run (issue #12)\n\n");
        md.append("Baseline: ").append(name).append(". ").append(rows.size())
                .append(" rows in both runs (").append(now.size() - rows.size())
                .append(" only in this one, counters included; ")
                .append(before.size() - rows.size()).append(" only in the baseline). A row is"
                        + " worse beyond its spread when even its best fork is worse than the"
                        + " baseline's worst.\n\n");
        if (worse.isEmpty()) {
            md.append("**No row is worse than before by more than its spread.**\n\n");
            return md.toString();
        }
        md.append("**").append(worse.size()).append(" of ").append(rows.size())
                .append(" rows are worse than before by more than their spread:**\n\n");
        md.append("| row | unit | before: mean (forks) | now: mean (forks) | now ÷ before |\n");
        md.append("|---|---|---:|---:|---:|\n");
        for (Row row : worse) {
            Result r = row.now();
            md.append("| `").append(r.scenario()).append('.').append(r.method()).append("` ")
                    .append(r.contender())
                    .append(r.params().isEmpty() ? "" : " " + r.params())
                    .append(r.settings().isEmpty() ? ""
                            : " [" + Report.settingsLabel(r.settings()) + "]")
                    .append(", ").append(r.threads()).append(" threads | ")
                    .append(r.primary().unit()).append(" | ")
                    .append(Variants.scoreWithSpread(row.before().primary())).append(" | ")
                    .append(Variants.scoreWithSpread(r.primary())).append(" | ")
                    .append(Report.ratio(row.ratio()))
                    .append(" |\n");
        }
        return md.append('\n').toString();
    }
}
