package dev.multilock.tests.pg;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command to its end, bounded in time: its standard output and error go to a
 * temporary file (never a pipe, so a chatty command or a daemon it leaves behind cannot block
 * us), its standard input is {@code /dev/null}. Also what the PostgreSQL helpers need to know
 * about the operating system: whether this JVM runs as root, and how to run a command as the
 * {@code postgres} user then.
 */
final class Exec {

    /** The OS user that owns the throwaway clusters when this JVM runs as root. */
    static final String POSTGRES_USER = "postgres";

    /** How long a small command ({@code id}, {@code kill}, {@code pg_config}) may take. */
    static final Duration SHORT = Duration.ofSeconds(10);

    private static final File DEV_NULL = new File("/dev/null");

    private static volatile Boolean root;

    private Exec() {}

    /** What a command did. */
    record Result(List<String> command, int exitCode, String output) {

        boolean succeeded() {
            return exitCode == 0;
        }

        /** One line: the command, its exit code and its output, for an exception message. */
        String describe() {
            return String.join(" ", command) + " exited with " + exitCode + ": "
                    + output.strip().replace('\n', '|');
        }
    }

    /**
     * Runs {@code command} in {@code directory} and waits at most {@code timeout} for it to end;
     * a command still running then is killed (with its descendants) and reported.
     */
    static Result run(List<String> command, Path directory, Duration timeout) {
        Path output = null;
        try {
            output = Files.createTempFile("multilock-exec-", ".out");
            Process process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(DEV_NULL)
                    .start();
            if (!waitFor(process, timeout)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                waitFor(process, SHORT);
                throw new IllegalStateException(String.join(" ", command)
                        + " did not end within " + timeout.toSeconds() + " s, killed: "
                        + Files.readString(output, StandardCharsets.UTF_8).strip());
            }
            return new Result(List.copyOf(command), process.exitValue(),
                    Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } finally {
            if (output != null) {
                deleteQuietly(output);
            }
        }
    }

    /** {@link #run} in the current directory. */
    static Result run(List<String> command, Duration timeout) {
        return run(command, Path.of("").toAbsolutePath(), timeout);
    }

    /** Waits for {@code process} at most {@code timeout}; an interrupt is kept and ends it. */
    static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for " + process, e);
        }
    }

    // ---- the operating system ----

    /** Whether this JVM runs as root: user.name says so, or else {@code id -u} prints 0. */
    static boolean isRoot() {
        Boolean known = root;
        if (known == null) {
            known = "root".equals(System.getProperty("user.name"))
                    || run(List.of("id", "-u"), SHORT).output().strip().equals("0");
            root = known;
        }
        return known;
    }

    /** An executable named {@code name} in a directory of PATH, or in /usr/sbin or /sbin. */
    static Optional<Path> which(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code command} as it must be run to act as the cluster's owner: unchanged unless this JVM
     * runs as root (PostgreSQL refuses to run as root), then through {@code runuser -u postgres
     * --}, or {@code su postgres -s /bin/sh -c} where there is no runuser.
     */
    static List<String> asClusterOwner(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>();
        Optional<Path> runuser = which("runuser");
        if (runuser.isPresent()) {
            wrapped.addAll(List.of(runuser.get().toString(), "-u", POSTGRES_USER, "--"));
            wrapped.addAll(command);
        } else {
            StringBuilder line = new StringBuilder();
            for (String word : command) {
                line.append(line.length() == 0 ? "" : " ")
                        .append('\'').append(word.replace("'", "'\\''")).append('\'');
            }
            wrapped.addAll(List.of("su", POSTGRES_USER, "-s", "/bin/sh", "-c", line.toString()));
        }
        return wrapped;
    }

    /** Deletes {@code path} and, if it is a directory, everything under it; quietly. */
    static void deleteQuietly(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            List<Path> all = new ArrayList<>(walk.toList());
            for (int i = all.size() - 1; i >= 0; i--) {
                Files.deleteIfExists(all.get(i));
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("[multilock-tests] could not delete " + path + ": " + e);
        }
    }
}
