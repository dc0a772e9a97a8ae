package dev.multilock.tests.pg;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A child JVM that runs one main class of the test module, for tests that need several
 * processes. It runs on the JDK of this JVM ({@code ProcessHandle.current()}) with the same
 * module path, upgrade module path and class path, and the same module-system options
 * ({@code --patch-module}, {@code --add-reads}, {@code --add-opens}, {@code --add-exports},
 * {@code --add-modules}, {@code --limit-modules}, {@code --enable-native-access}) as this JVM
 * got, read from {@code getInputArguments()}. Under surefire these are: the module path
 * ({@code target/classes} of this module, the library's jars, the JDBC driver), the class path
 * (the test classes and the test libraries), {@code --patch-module
 * dev.multilock.tests=target/test-classes}, {@code --add-reads dev.multilock.tests=ALL-UNNAMED},
 * {@code --add-opens} of each test package and {@code --add-modules ALL-MODULE-PATH}. So a main
 * class in the test sources starts as {@code -m dev.multilock.tests/<class>}, in the same named
 * module the tests run in (or from the class path, if the tests do).
 *
 * <p>Standard output is read as it comes, line by line ({@link #awaitLine}) and copied to
 * {@code <name>.stdout} in the output directory; standard error goes to {@code <name>.stderr};
 * the command is in {@code <name>.command}. Standard input is a pipe ({@link #send}).
 *
 * <p>{@link #close()} kills the child (SIGKILL) and waits for it, bounded: use it in
 * try-with-resources, so that a child never outlives its test. A shutdown hook kills the
 * children still open when this JVM exits; a child that calls
 * {@link #haltWhenParentExits(Duration)} also ends if this JVM is killed, and after a bounded
 * lifetime in any case.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.builder(AdvisoryLockChild.class)
 *         .args(db.jdbcUrl(), "42").outputDirectory(tempDir).start()) {
 *     String locked = child.awaitLine("locked ", Duration.ofSeconds(60));
 *     child.kill(ChildJvm.Signal.KILL);
 *     child.awaitExit(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

    /** The signals {@link #kill(Signal)} sends, by their names for {@code kill -s}. */
    public enum Signal {
        /** Ends the process at once: no shutdown hook, no finally, sockets closed by the OS. */
        KILL,
        /** Ends the process politely: shutdown hooks run. */
        TERM,
        /** Freezes the process; its sockets stay open. */
        STOP,
        /** Resumes a process frozen by {@link #STOP}. */
        CONT
    }

    /** Exit status of a child whose parent JVM ended ({@link #haltWhenParentExits}). */
    public static final int PARENT_GONE_STATUS = 98;
    /** Exit status of a child that outlived its lifetime ({@link #haltWhenParentExits}). */
    public static final int LIFETIME_OVER_STATUS = 99;

    /** Options every child gets first: a small heap and the serial collector (2-core CI). */
    static final List<String> DEFAULT_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC");

    /** The module-system options of this JVM that a child gets too. */
    static final Set<String> COPIED_OPTIONS = Set.of("--patch-module", "--add-reads",
            "--add-opens", "--add-exports", "--add-modules", "--limit-modules",
            "--enable-native-access");

    /** How long {@link #close()} waits for a killed child to be gone. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<ChildJvm> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final String name;
    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final Writer stdin;
    private final Thread stdoutReader;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition outputChanged = lock.newCondition();
    private final List<String> lines = new ArrayList<>(); // guarded by lock
    private boolean stdoutEnded; // guarded by lock

    private ChildJvm(String name, Process process, Path stdoutFile, Path stderrFile)
            throws IOException {
        this.name = name;
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
        this.stdin = new BufferedWriter(
                new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Writer copy = Files.newBufferedWriter(stdoutFile, StandardCharsets.UTF_8);
        this.stdoutReader = new Thread(() -> readStdout(copy), "child-" + name + "-stdout");
        this.stdoutReader.setDaemon(true);
    }

    /** A builder of a child that runs {@code mainClass}'s {@code main}. */
    public static Builder builder(Class<?> mainClass) {
        return new Builder(mainClass);
    }

    /** How to start a child: main class, arguments, extra JVM options, output directory. */
    public static final class Builder {

        private final Class<?> mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private Path outputDirectory;
        private String name;

        private Builder(Class<?> mainClass) {
            this.mainClass = mainClass;
        }

        /** Arguments of {@code main}, added to those given before. */
        public Builder args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** JVM options (e.g. {@code -Dkey=value}), after the copied ones, before the main class. */
        public Builder jvmOptions(String... more) {
            jvmOptions.addAll(List.of(more));
            return this;
        }

        /** Where the output files go; default: a new directory under java.io.tmpdir. */
        public Builder outputDirectory(Path directory) {
            this.outputDirectory = directory;
            return this;
        }

        /** The name of the output files and of the child in messages; default: class-number. */
        public Builder name(String childName) {
            this.name = childName;
            return this;
        }

        /** The command line that {@link #start()} runs. */
        public List<String> command() {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(DEFAULT_OPTIONS);
            addPath(command, "--module-path", System.getProperty("jdk.module.path"));
            addPath(command, "--upgrade-module-path",
                    System.getProperty("jdk.module.upgrade.path"));
            addPath(command, "--class-path", System.getProperty("java.class.path"));
            command.addAll(moduleOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
            command.addAll(jvmOptions);
            Module module = mainClass.getModule();
            if (module.isNamed()) {
                command.add("-m");
                command.add(module.getName() + "/" + mainClass.getName());
            } else {
                command.add(mainClass.getName());
            }
            command.addAll(args);
            return command;
        }

        private static void addPath(List<String> command, String option, String value) {
            if (value != null && !value.isEmpty()) {
                command.add(option);
                command.add(value);
            }
        }

        /** Starts the child; it is killed by {@link ChildJvm#close()}. */
        public ChildJvm start() {
            List<String> command = command();
            String childName = name != null
                    ? name
                    : mainClass.getSimpleName() + "-" + COUNT.incrementAndGet();
            try {
                Path dir = outputDirectory != null
                        ? Files.createDirectories(outputDirectory)
                        : Files.createTempDirectory("multilock-child-");
                Files.writeString(dir.resolve(childName + ".command"),
                        String.join("\n", command) + "\n", StandardCharsets.UTF_8);
                Path stdout = dir.resolve(childName + ".stdout");
                Path stderr = dir.resolve(childName + ".stderr");
                installShutdownHook();
                Process process = new ProcessBuilder(command)
                        .redirectError(stderr.toFile())
                        .start();
                ChildJvm child;
                try {
                    child = new ChildJvm(childName, process, stdout, stderr);
                } catch (IOException | RuntimeException e) {
                    process.destroyForcibly();
                    throw e;
                }
                OPEN.add(child);
                child.stdoutReader.start();
                return child;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + childName + ": " + command, e);
            }
        }
    }

    /**
     * The options of {@code inputArguments} (a JVM's options, as
     * {@code RuntimeMXBean.getInputArguments()} gives them) that configure the module system, in
     * their order, each as one {@code --option=value} word.
     */
    static List<String> moduleOptions(List<String> inputArguments) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < inputArguments.size(); i++) {
            String arg = inputArguments.get(i);
            int eq = arg.indexOf('=');
            String option = eq < 0 ? arg : arg.substring(0, eq);
            if (!COPIED_OPTIONS.contains(option)) {
                continue;
            }
            if (eq >= 0) {
                kept.add(arg);
            } else if (i + 1 < inputArguments.size()) {
                kept.add(option + "=" + inputArguments.get(++i));
            }
        }
        return kept;
    }

    private static void installShutdownHook() {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (ChildJvm child : OPEN) {
                    child.process.destroyForcibly();
                }
            }, "multilock-child-jvm-cleanup"));
        }
    }

    private void readStdout(Writer copy) {
        try (copy; BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                copy.write(line);
                copy.write('\n');
                copy.flush();
                lock.lock();
                try {
                    lines.add(line);
                    outputChanged.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            // the stream was closed under us (close()): the output ends here
        } finally {
            lock.lock();
            try {
                stdoutEnded = true;
                outputChanged.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---- the running child ----

    /** The child's name, as in its output files. */
    public String name() {
        return name;
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The file that standard output is copied to. */
    public Path stdoutFile() {
        return stdoutFile;
    }

    /** The file that standard error goes to. */
    public Path stderrFile() {
        return stderrFile;
    }

    /** The lines of standard output read so far. */
    public List<String> stdoutLines() {
        lock.lock();
        try {
            return List.copyOf(lines);
        } finally {
            lock.unlock();
        }
    }

    /** Standard error so far. */
    public String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + stderrFile + ": " + e + ")";
        }
    }

    /** The first line of standard output that starts with {@code prefix}; see the other form. */
    public String awaitLine(String prefix, Duration timeout) {
        return awaitLine(line -> line.startsWith(prefix), "starting with \"" + prefix + "\"",
                timeout);
    }

    /**
     * The first line of standard output that {@code matching} accepts, as soon as the child
     * prints it; fails with an {@link AssertionError} (carrying the child's output) if the child
     * ends its output without one, or prints none within {@code timeout}.
     */
    public String awaitLine(Predicate<String> matching, String description, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (matching.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                if (stdoutEnded) {
                    throw new AssertionError(name + " ended its output without a line "
                            + description + "; " + report());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + " printed no line " + description
                            + " within " + timeout.toMillis() + " ms; " + report());
                }
                outputChanged.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code line} and a newline to the child's standard input. */
    public void send(String line) {
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + name + "; " + report(), e);
        }
    }

    /**
     * Waits at most {@code timeout} for the child to end and returns its exit status (128 plus
     * the signal number if a signal ended it: 137 for KILL); fails with an
     * {@link AssertionError} if it is still running then. Its standard output is read to the
     * end before this returns.
     */
    public int awaitExit(Duration timeout) {
        if (!Exec.waitFor(process, timeout)) {
            throw new AssertionError(name + " still runs after " + timeout.toMillis() + " ms; "
                    + report());
        }
        joinStdoutReader();
        return process.exitValue();
    }

    /** Sends {@code signal} to the child with {@code kill -s}; it may still be alive after. */
    public void kill(Signal signal) {
        Exec.Result r = Exec.run(
                List.of("kill", "-s", signal.name(), Long.toString(process.pid())), Exec.SHORT);
        if (!r.succeeded()) {
            throw new IllegalStateException("cannot send SIG" + signal + " to " + name + ": "
                    + r.describe());
        }
    }

    /**
     * Kills the child (SIGKILL, which also ends a stopped one) unless it has ended, and waits
     * for it; an {@link IllegalStateException} if it is still alive after 10 s.
     */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            if (!Exec.waitFor(process, CLOSE_TIMEOUT)) {
                throw new IllegalStateException(name + " (pid " + process.pid()
                        + ") is still alive " + CLOSE_TIMEOUT.toSeconds() + " s after SIGKILL");
            }
            joinStdoutReader();
        } finally {
            try {
                stdin.close();
            } catch (IOException e) {
                // the child is gone, so is the pipe
            }
            OPEN.remove(this);
        }
    }

    private void joinStdoutReader() {
        try {
            stdoutReader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The state and output of the child, for failure messages. */
    private String report() {
        String state = process.isAlive() ? "alive" : "exited with " + process.exitValue();
        List<String> out = stdoutLines();
        String stderr = stderr().strip();
        return "pid " + process.pid() + " " + state
                + "; stdout (" + out.size() + " lines, last 20): "
                + String.join(" | ", out.subList(Math.max(0, out.size() - 20), out.size()))
                + "; stderr (last 2000 chars): "
                + stderr.substring(Math.max(0, stderr.length() - 2000))
                + "; files in " + stdoutFile.getParent();
    }

    @Override
    public String toString() {
        return "ChildJvm[" + name + ", pid " + process.pid() + "]";
    }

    // ---- in the child ----

    /**
     * For a child's {@code main}: halts this JVM (status {@link #PARENT_GONE_STATUS}) when the
     * process that started it ends, even by SIGKILL, and in any case (status
     * {@link #LIFETIME_OVER_STATUS}) once {@code lifetime} has passed, so no child outlives the
     * test run or runs unbounded.
     */
    public static void haltWhenParentExits(Duration lifetime) {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        CompletableFuture<ProcessHandle> parentGone = parent.isPresent()
                ? parent.get().onExit()
                : CompletableFuture.completedFuture(ProcessHandle.current());
        parentGone.orTimeout(lifetime.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((gone, timeout) -> {
                    System.err.println(timeout == null
                            ? "parent process ended: halting"
                            : "lifetime of " + lifetime.toMillis() + " ms over: halting");
                    System.err.flush();
                    Runtime.getRuntime().halt(
                            timeout == null ? PARENT_GONE_STATUS : LIFETIME_OVER_STATUS);
                });
    }
}
