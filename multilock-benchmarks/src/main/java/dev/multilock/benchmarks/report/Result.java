package dev.multilock.benchmarks.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        Metric primary,
        Map<String, Metric> secondary) {

    /**
     * A score with its error and unit.
     *
     * @param score the score
     * @param error the half-width of the confidence interval, NaN when JMH had too few samples
     * @param unit the unit, e.g. {@code ns/op}
     */
    record Metric(double score, double error, String unit) {

        /**
         * Tells whether a smaller score is better: a time per operation rather than a rate.
         *
         * @return {@code true} for units such as {@code ns/op}
         */
        boolean lowerIsBetter() {
            return unit.endsWith("/op");
        }

        /**
         * Converts the score to operations per second, if its unit is a time per operation or a
         * rate.
         *
         * @return operations per second, or NaN for other units
         */
        double opsPerSecond() {
            String[] parts = unit.split("/");
            if (parts.length != 2) {
                return Double.NaN;
            }
            if (parts[1].equals("op")) {
                double seconds = seconds(parts[0]);
                return seconds > 0 ? 1.0 / (score * seconds) : Double.NaN;
            }
            if (parts[0].equals("ops")) {
                double seconds = seconds(parts[1]);
                return seconds > 0 ? score / seconds : Double.NaN;
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
     * Reads every result of one parsed JMH JSON file.
     *
     * @param json the parsed file: an array of result objects
     * @return the results, in file order
     * @throws IllegalArgumentException if the structure is not JMH's
     */
    static List<Result> fromJmh(Object json) {
        if (!(json instanceof List)) {
            throw new IllegalArgumentException("JMH JSON must be an array of results");
        }
        List<Result> results = new ArrayList<>();
        for (Object item : (List<?>) json) {
            results.add(fromJmhResult(map(item)));
        }
        return results;
    }

    private static Result fromJmhResult(Map<?, ?> r) {
        String benchmark = String.valueOf(r.get("benchmark"));
        int dot = benchmark.lastIndexOf('.');
        String qualifiedClass = dot < 0 ? "" : benchmark.substring(0, dot);
        String method = benchmark.substring(dot + 1);
        String scenario = qualifiedClass.substring(qualifiedClass.lastIndexOf('.') + 1);
        Map<String, String> params = new TreeMap<>();
        String contender = "";
        Object rawParams = r.get("params");
        if (rawParams != null) {
            for (Map.Entry<?, ?> e : map(rawParams).entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.equals("contender")) {
                    contender = String.valueOf(e.getValue());
                } else {
                    params.put(key, String.valueOf(e.getValue()));
                }
            }
        }
        Map<String, Metric> secondary = new LinkedHashMap<>();
        Object rawSecondary = r.get("secondaryMetrics");
        if (rawSecondary != null) {
            for (Map.Entry<?, ?> e : map(rawSecondary).entrySet()) {
                secondary.put(String.valueOf(e.getKey()), metric(map(e.getValue())));
            }
        }
        return new Result(scenario, method, String.valueOf(r.get("mode")),
                (int) Json.number(r.get("threads")), contender,
                Collections.unmodifiableMap(params), metric(map(r.get("primaryMetric"))),
                Collections.unmodifiableMap(secondary));
    }

    private static Metric metric(Map<?, ?> m) {
        return new Metric(Json.number(m.get("score")), Json.number(m.get("scoreError")),
                String.valueOf(m.get("scoreUnit")));
    }

    private static Map<?, ?> map(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object, found " + o);
        }
        return (Map<?, ?>) o;
    }
}
