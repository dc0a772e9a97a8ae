package dev.multilock.benchmarks.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws total throughput against threads, one line per contender: scenario 2 (blocking threads,
 * {@code -t}) beside scenario 3 (pool threads, {@code pool}), both at the 90:10 mix when the
 * run has it, scenario 3 at one request per task ({@code batch=1}) when the run has it, and only
 * plain runs (no variant JVM settings such as a spin count).
 *
 * <p>Each line joins the means of its points. Where a point has several forks, a thin vertical
 * bar of the contender's color, drawn just beside the point so that the contenders' bars do not
 * hide each other, spans the forks' results with one dot per fork: a point whose forks disagree
 * shows as a long bar, and the dots show whether it is bimodal.
 */
final class ThroughputChart {

    private static final String MIX = "90:10";

    /** One color per contender, the same in every run. */
    private static final Map<String, Color> COLORS = Map.of(
            "MULTILOCK", new Color(0x1f, 0x4e, 0xd8),
            "MULTILOCK_LOCK", new Color(0x00, 0x9c, 0xb8),
            "MULTILOCK_RWVIEW", new Color(0x7f, 0x9c, 0xf5),
            "RRWL_NONFAIR", new Color(0xe6, 0x7e, 0x00),
            "RRWL_FAIR", new Color(0x9b, 0x4d, 0xca),
            "STAMPED", new Color(0x2a, 0xa1, 0x4b),
            "ASYNCUTIL", new Color(0xd6, 0x27, 0x28),
            "BASELINE", new Color(0x55, 0x55, 0x55),
            "NOOP", new Color(0xb0, 0xb0, 0xb0));

    private ThroughputChart() {}

    /**
     * Writes the chart as a PNG.
     *
     * @param results every result of the run
     * @param png where to write it
     * @return whether there was anything to draw
     * @throws IOException if the file cannot be written
     */
    static boolean write(List<Result> results, Path png) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        XYChart blocking = chart(results, "ContentionBenchmark", "acquireRelease",
                "2. Blocking contention", "threads (-t)", true);
        if (blocking != null) {
            charts.add(blocking);
        }
        XYChart async = chart(results, "AsyncThroughputBenchmark", "criticalSections",
                "3. Asynchronous throughput", "pool threads", false);
        if (async != null) {
            charts.add(async);
        }
        if (charts.isEmpty()) {
            return false;
        }
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), png.toString(),
                BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    /**
     * One panel, or null if the run has no result for it.
     *
     * @param perThread whether the score is per thread (avgt with {@code -t}), so that the total
     *     is threads times the per-thread rate
     */
    private static XYChart chart(List<Result> all, String scenario, String method, String title,
            String xTitle, boolean perThread) {
        List<Result> results = Report.select(all,
                r -> r.scenario().equals(scenario) && r.method().equals(method));
        if (results.isEmpty()) {
            return null;
        }
        String mix = results.stream().anyMatch(r -> MIX.equals(r.params().get("mix")))
                ? MIX : results.get(0).params().get("mix");
        XYChart chart = new XYChartBuilder().width(720).height(440)
                .title(title + (mix == null ? "" : ", " + mix + " read:write"))
                .xAxisTitle(xTitle).yAxisTitle("operations per second, total").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(7);
        chart.getStyler().setXAxisDecimalPattern("0");
        String batch = results.stream().anyMatch(r -> "1".equals(r.params().get("batch")))
                ? "1" : null;
        boolean any = false;
        List<String> contenders = Report.contenders(results);
        for (int c = 0; c < contenders.size(); c++) {
            String contender = contenders.get(c);
            TreeMap<Integer, Double> points = new TreeMap<>();
            TreeMap<Integer, double[]> forks = new TreeMap<>();
            for (Result r : results) {
                if (!r.contender().equals(contender) || !r.settings().isEmpty()
                        || (mix != null && !mix.equals(r.params().get("mix")))
                        || (batch != null && r.params().containsKey("batch")
                                && !batch.equals(r.params().get("batch")))) {
                    continue;
                }
                int threads = perThread ? r.threads() : Integer.parseInt(r.params().get("pool"));
                int scale = perThread ? r.threads() : 1;
                double ops = r.primary().opsPerSecond() * scale;
                if (ops > 0 && !Double.isInfinite(ops)) {
                    points.put(threads, ops);
                    double[] perFork = r.primary().forkScores();
                    double[] y = new double[perFork.length];
                    for (int f = 0; f < y.length; f++) {
                        y[f] = r.primary().opsPerSecond(perFork[f]) * scale;
                    }
                    forks.put(threads, y);
                }
            }
            if (points.isEmpty()) {
                continue;
            }
            for (Map.Entry<Integer, double[]> e : forks.entrySet()) {
                if (e.getValue().length < 2) {
                    continue;
                }
                double[] y = e.getValue().clone();
                Arrays.sort(y);
                double[] x = new double[y.length];
                // beside the point: each contender its own small offset, in threads
                Arrays.fill(x, e.getKey() + 0.04 * (c - (contenders.size() - 1) / 2.0));
                XYSeries bar = chart.addSeries(contender + " forks at " + e.getKey(), x, y);
                bar.setShowInLegend(false);
                bar.setMarker(SeriesMarkers.CIRCLE);
                bar.setLineWidth(1f);
                Color color = COLORS.get(contender);
                if (color != null) {
                    bar.setLineColor(color);
                    bar.setMarkerColor(color);
                }
            }
            double[] x = new double[points.size()];
            double[] y = new double[points.size()];
            int i = 0;
            for (Map.Entry<Integer, Double> e : points.entrySet()) {
                x[i] = e.getKey();
                y[i++] = e.getValue();
            }
            XYSeries series = chart.addSeries(contender, x, y);
            series.setMarker(SeriesMarkers.CIRCLE);
            Color color = COLORS.get(contender);
            if (color != null) {
                series.setLineColor(color);
                series.setMarkerColor(color);
            }
            if (contender.equals(Report.REFERENCE) || contender.equals("MULTILOCK_LOCK")) {
                series.setLineWidth(3f);
            }
            any = true;
        }
        if (!any) {
            return null;
        }
        // half a thread of margin on each side: room for the fork bars, and a usable axis where
        // the run has one thread count only
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        for (XYSeries series : chart.getSeriesMap().values()) {
            for (double x : series.getXData()) {
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
            }
        }
        chart.getStyler().setXAxisMin(Math.floor(minX) - 0.5);
        chart.getStyler().setXAxisMax(Math.ceil(maxX) + 0.5);
        // a log scale only where the lines span more than a decade: XChart labels no tick
        // of a log axis that spans less
        double min = Double.MAX_VALUE;
        double max = 0;
        for (XYSeries series : chart.getSeriesMap().values()) {
            for (double y : series.getYData()) {
                min = Math.min(min, y);
                max = Math.max(max, y);
            }
        }
        if (max > 20 * min) {
            chart.getStyler().setYAxisLogarithmic(true);
            chart.setYAxisTitle("operations per second, total (log scale)");
        } else {
            chart.getStyler().setYAxisMin(0.0);
        }
        return chart;
    }
}
