package dev.multilock.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of the reports of the harnesses ({@link PostgresReport},
 * {@link DistributedReport}): {@code --out DIR [--title TEXT] [--machine FILE]
 * [--readme README]}, the report's own options (each with a value), then the input files.
 *
 * @param out where the report is written
 * @param title its title
 * @param machine the content of the machine file, or null
 * @param readme the README to copy the report into, or null
 * @param extra the report's own options, by name without the dashes
 * @param inputs the input files
 */
record ReportArgs(Path out, String title, String machine, Path readme,
        Map<String, String> extra, List<Path> inputs) {

    /**
     * Parses a command line, or prints the usage and exits with status 2 when {@code --out} or
     * the inputs are missing.
     *
     * @param args the command line
     * @param title the title when there is no {@code --title}
     * @param options the report's own options, e.g. {@code "--chart-path"}
     * @param usage the usage line
     * @return the arguments
     * @throws IOException if the machine file cannot be read
     */
    static ReportArgs parse(String[] args, String title, Set<String> options, String usage)
            throws IOException {
        Path out = null;
        String machine = null;
        Path readme = null;
        Map<String, String> extra = new HashMap<>();
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--title" -> title = args[++i];
                case "--machine" -> machine = Files.readString(Path.of(args[++i]),
                        StandardCharsets.UTF_8);
                case "--readme" -> readme = Path.of(args[++i]);
                default -> {
                    if (options.contains(args[i])) {
                        extra.put(args[i].substring(2), args[++i]);
                    } else {
                        inputs.add(Path.of(args[i]));
                    }
                }
            }
        }
        if (out == null || inputs.isEmpty()) {
            System.err.println("usage: " + usage);
            System.exit(2);
        }
        return new ReportArgs(out, title, machine, readme, extra, inputs);
    }
}
