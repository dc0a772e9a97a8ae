package dev.multilock.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.openjdk.jmh.util.ListStatistics;

/**
 * One JMH result: one benchmark method (or group) of one scenario class at one point of its
 * parameter space, with the {@code contender} parameter split out.
 *
 * @param scenario the simple name of the benchmark class, e.g. {@code ContentionBenchmark}
 * @param method the benchmark method or group, e.g. {@code acquireRelease}
 * @param mode JMH's mode: {@code avgt}, {@code thrpt}, ...
 * @param threads the number of benchmark threads
 * @param contender the value of the {@code contender} parameter, or {@code ""}
 * @param params the other parameters, sorted by name
 * @param settings the JVM options of the forks that the report tells apart (see
 *     {@link #settings(JsonNode)}), sorted by name; empty for a plain run
 * @param warmupIterations JMH's warm-up iterations per fork
 * @param primary the primary metric
 * @param secondary the secondary metrics by name ({@code gc.alloc.rate.norm}, aux counters,
 *     group members)
 */
record Result(
        String scenario,
        String method,
        String mode,
        int threads,
        String contender,
        Map<String, String> params,
        Map<String, String> settings,
        int warmupIterations,
        Metric primary,
        Map<String, Metric> secondary) {

    /** The JVM option that sets the lock-free lock's spin count (ThreadWaiter.SPINS). */
    static final String SPINS_OPTION = "-Dmultilock.lockfree.spins=";

    /**
     * A score with its error, its unit and the raw data of each fork.
     *
     * @param score the score
     * @param error the half-width of the confidence interval, NaN when JMH had too few samples
     * @param unit the unit, e.g. {@code ns/op}
     * @param forks the score of each measured iteration, one list per fork, in fork order
     *     (JMH's {@code rawData}); empty when the file has none
     */
    record Metric(double score, double error, String unit, List<List<Double>> forks) {

        /** A metric without raw data: one point, as in a hand-written file. */
        Metric(double score, double error, String unit) {
            this(score, error, unit, List.of());
        }

        /**
         * Tells whether a smaller score is better: a time per operation rather than a rate.
         *
         * @return {@code true} for units such as {@code ns/op}
         */
        boolean lowerIsBetter() {
            return unit.endsWith("/op");
        }

        /** Whether the score is a count summed over iterations (aux counters), not a mean. */
        boolean isCount() {
            return unit.equals("#");
        }

        /**
         * The score of each fork: the mean of its iterations (the sum, for a count), in fork
         * order; the score alone when there is no raw data.
         *
         * @return one score per fork, at least one
         */
        double[] forkScores() {
            if (forks.isEmpty()) {
                return new double[] {score};
            }
            double[] scores = new double[forks.size()];
            for (int f = 0; f < scores.length; f++) {
                List<Double> iterations = forks.get(f);
                double sum = 0;
                for (double v : iterations) {
                    sum += v;
                }
                scores[f] = isCount() || iterations.isEmpty() ? sum : sum / iterations.size();
            }
            return scores;
        }

        /**
         * Joins the forks of two runs of the same benchmark point, as if JMH had run them in one
         * invocation: the score is the mean of every iteration (a count: the sum) and the error
         * is JMH's own 99.9% confidence half-width over them.
         *
         * @param other the same metric from another invocation
         * @return the metric of all the forks, this one's first
         */
        Metric merge(Metric other) {
            List<List<Double>> all = new ArrayList<>(forks.isEmpty()
                    ? List.of(List.of(score)) : forks);
            all.addAll(other.forks.isEmpty() ? List.of(List.of(other.score)) : other.forks);
            if (isCount()) {
                return new Metric(score + other.score, Double.NaN, unit, List.copyOf(all));
            }
            ListStatistics stats = new ListStatistics();
            for (List<Double> fork : all) {
                for (double v : fork) {
                    stats.addValue(v);
                }
            }
            double error = stats.getN() > 2 ? stats.getMeanErrorAt(0.999) : Double.NaN;
            return new Metric(stats.getMean(), error, unit, List.copyOf(all));
        }

        /**
         * Converts the score to operations per second, if its unit is a time per operation or a
         * rate.
         *
         * @return operations per second, or NaN for other units
         */
        double opsPerSecond() {
            return opsPerSecond(score);
        }

        /**
         * Converts a value in this metric's unit to operations per second.
         *
         * @param value a score, e.g. one fork's
         * @return operations per second, or NaN for other units
         */
        double opsPerSecond(double value) {
            String[] parts = unit.split("/");
            if (parts.length != 2) {
                return Double.NaN;
            }
            if (parts[1].equals("op")) {
                double seconds = seconds(parts[0]);
                return seconds > 0 ? 1.0 / (value * seconds) : Double.NaN;
            }
            if (parts[0].equals("ops")) {
                double seconds = seconds(parts[1]);
                return seconds > 0 ? value / seconds : Double.NaN;
            }
            return Double.NaN;
        }

        private static double seconds(String unit) {
            switch (unit) {
                case "ns":
                    return 1e-9;
                case "us":
                    return 1e-6;
                case "ms":
                    return 1e-3;
                case "s":
                    return 1;
                case "min":
                    return 60;
                default:
                    return Double.NaN;
            }
        }
    }

    /**
     * Tells whether another result is the same benchmark point (same scenario, method, mode,
     * threads, contender, parameters and settings), so that their forks can be joined.
     *
     * @param other another result
     * @return whether both measure the same thing
     */
    boolean samePoint(Result other) {
        return scenario.equals(other.scenario) && method.equals(other.method)
                && mode.equals(other.mode) && threads == other.threads
                && contender.equals(other.contender) && params.equals(other.params)
                && settings.equals(other.settings);
    }

    /**
     * Joins the forks of several runs of each benchmark point (the rounds of {@code run.sh
     * headline}, {@code jfr} and {@code spins}, each a JMH invocation with one fork): fork
     * {@code i} of every point is then round {@code i}, measured within minutes of the other
     * points' fork {@code i}. Points measured once are returned as they are.
     *
     * @param results the results of every file, in file order
     * @return one result per benchmark point, in order of first appearance
     */
    static List<Result> joinForks(List<Result> results) {
        List<Result> joined = new ArrayList<>();
        for (Result r : results) {
            int i = 0;
            while (i < joined.size() && !joined.get(i).samePoint(r)) {
                i++;
            }
            if (i == joined.size()) {
                joined.add(r);
            } else {
                joined.set(i, joined.get(i).merge(r));
            }
        }
        return joined;
    }

    private Result merge(Result other) {
        Map<String, Metric> secondaries = new LinkedHashMap<>(secondary);
        for (Map.Entry<String, Metric> e : other.secondary.entrySet()) {
            secondaries.merge(e.getKey(), e.getValue(), Metric::merge);
        }
        return new Result(scenario, method, mode, threads, contender, params, settings,
                warmupIterations, primary.merge(other.primary),
                Collections.unmodifiableMap(secondaries));
    }

    /**
     * Reads every result of one JMH JSON file.
     *
     * @param json the parsed file: an array of result objects
     * @return the results, in file order
     * @throws IllegalArgumentException if the structure is not JMH's
     */
    static List<Result> fromJmh(JsonNode json) {
        if (!json.isArray()) {
            throw new IllegalArgumentException("JMH JSON must be an array of results");
        }
        List<Result> results = new ArrayList<>();
        for (JsonNode item : json) {
            results.add(fromJmhResult(object(item)));
        }
        return results;
    }

    private static Result fromJmhResult(JsonNode r) {
        String benchmark = r.path("benchmark").asText();
        int dot = benchmark.lastIndexOf('.');
        String qualifiedClass = dot < 0 ? "" : benchmark.substring(0, dot);
        String method = benchmark.substring(dot + 1);
        String scenario = qualifiedClass.substring(qualifiedClass.lastIndexOf('.') + 1);
        Map<String, String> params = new TreeMap<>();
        String contender = "";
        JsonNode rawParams = r.get("params");
        if (rawParams != null && !rawParams.isNull()) {
            for (Map.Entry<String, JsonNode> e : object(rawParams).properties()) {
                if (e.getKey().equals("contender")) {
                    contender = e.getValue().asText();
                } else {
                    params.put(e.getKey(), e.getValue().asText());
                }
            }
        }
        Map<String, Metric> secondary = new LinkedHashMap<>();
        JsonNode rawSecondary = r.get("secondaryMetrics");
        if (rawSecondary != null && !rawSecondary.isNull()) {
            for (Map.Entry<String, JsonNode> e : object(rawSecondary).properties()) {
                secondary.put(e.getKey(), metric(object(e.getValue())));
            }
        }
        return new Result(scenario, method, r.path("mode").asText(),
                (int) number(r.get("threads")), contender, Collections.unmodifiableMap(params),
                settings(r.get("jvmArgs")), (int) number(r.get("warmupIterations")),
                metric(object(r.get("primaryMetric"))), Collections.unmodifiableMap(secondary));
    }

    /**
     * The JVM options of a result that the report tells apart, by a short name: {@code spins}
     * (the value of {@code -Dmultilock.lockfree.spins}), {@code jfr} ({@code on} with
     * {@code -XX:StartFlightRecording}), {@code heap} (the {@code -Xms}, {@code -Xmx},
     * {@code -Xmn} and {@code -XX:+AlwaysPreTouch} options, as given) and {@code log}
     * ({@code compilation} with {@code -XX:+PrintCompilation}). Other options, the same in every
     * fork of a run, are left out.
     */
    private static Map<String, String> settings(JsonNode jvmArgs) {
        Map<String, String> settings = new TreeMap<>();
        if (jvmArgs == null || !jvmArgs.isArray()) {
            return Map.of();
        }
        List<String> heap = new ArrayList<>();
        for (JsonNode node : jvmArgs) {
            String arg = node.asText();
            if (arg.startsWith(SPINS_OPTION)) {
                settings.put("spins", arg.substring(SPINS_OPTION.length()));
            } else if (arg.startsWith("-XX:StartFlightRecording")) {
                settings.put("jfr", "on");
            } else if (arg.startsWith("-Xms") || arg.startsWith("-Xmx")
                    || arg.startsWith("-Xmn") || arg.equals("-XX:+AlwaysPreTouch")) {
                heap.add(arg);
            } else if (arg.equals("-XX:+PrintCompilation")) {
                settings.put("log", "compilation");
            }
        }
        if (!heap.isEmpty()) {
            settings.put("heap", String.join(" ", heap));
        }
        return Collections.unmodifiableMap(settings);
    }

    private static Metric metric(JsonNode m) {
        List<List<Double>> forks = new ArrayList<>();
        JsonNode raw = m.get("rawData");
        if (raw != null && raw.isArray()) {
            for (JsonNode fork : raw) {
                List<Double> iterations = new ArrayList<>();
                for (JsonNode v : fork) {
                    iterations.add(number(v));
                }
                forks.add(Collections.unmodifiableList(iterations));
            }
        }
        return new Metric(number(m.get("score")), number(m.get("scoreError")),
                m.path("scoreUnit").asText(), Collections.unmodifiableList(forks));
    }

    /**
     * Reads a number that JMH may also write as a string ({@code "NaN"}, {@code "Infinity"}).
     *
     * @param value a JSON value, or null
     * @return the number, or NaN if the value is missing or not a number
     */
    static double number(JsonNode value) {
        if (value == null) {
            return Double.NaN;
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isTextual()) {
            try {
                return Double.parseDouble(value.textValue());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static JsonNode object(JsonNode o) {
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, found "
                    + Objects.toString(o));
        }
        return o;
    }
}
