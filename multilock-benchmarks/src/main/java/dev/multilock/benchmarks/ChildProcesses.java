package dev.multilock.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of a cross-process harness ({@link CrossProcessHandoff},
 * {@link DistributedScenarios}): started with the running JDK and this class path, driven by
 * lines on their standard input, heard through lines on their standard output (a thread per
 * child moves them to a queue, so a wait for a line is bounded), their standard error passed
 * through. {@link #close()} destroys every child that is still running, whatever happened.
 */
final class ChildProcesses implements AutoCloseable {

    /** What the pump puts in a child's queue when its output ends (no child prints a NUL). */
    private static final String END = "\u0000end of output";

    private final List<Process> children = new ArrayList<>();
    private final List<BlockingQueue<String>> lines = new ArrayList<>();

    /**
     * The command that runs {@code main} in a new JVM of the running JDK and class path.
     *
     * @param jvmOptions options for the JVM (none: an empty list)
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the command
     */
    static List<String> javaCommand(List<String> jvmOptions, Class<?> main, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        return command;
    }

    /**
     * Starts a child; its index is the number of children started before it.
     *
     * @param command the command
     * @return the child's index
     * @throws IOException if it cannot start
     */
    int start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        int index = children.size();
        children.add(p);
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        lines.add(queue);
        Thread pump = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(
                    p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    queue.add(line);
                }
            } catch (IOException e) {
                queue.add("output failed: " + e);
            } finally {
                queue.add(END);
            }
        }, "child-output-" + index);
        pump.setDaemon(true);
        pump.start();
        return index;
    }

    /**
     * The child's process.
     *
     * @param child its index
     * @return the process
     */
    Process process(int child) {
        return children.get(child);
    }

    /**
     * Waits for the child's next line that starts with {@code word}; other lines go to standard
     * error, prefixed with the child's index.
     *
     * @param child the child's index
     * @param word the line's first word
     * @param seconds how long to wait at most
     * @return the line
     * @throws IllegalStateException if the child's output ends or the time runs out first
     * @throws InterruptedException if interrupted while waiting
     */
    String expect(int child, String word, double seconds) throws InterruptedException {
        String line = poll(child, word, seconds);
        if (line == null) {
            throw new IllegalStateException("child " + child + " ended (or took over " + seconds
                    + " s) before saying " + word + "; see its standard error above");
        }
        return line;
    }

    /**
     * Like {@link #expect}, but returns {@code null} when the time runs out (the child may still
     * say it later).
     *
     * @param child the child's index
     * @param word the line's first word
     * @param seconds how long to wait at most
     * @return the line, or null if the time ran out
     * @throws IllegalStateException if the child's output ends first
     * @throws InterruptedException if interrupted while waiting
     */
    String poll(int child, String word, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        BlockingQueue<String> queue = lines.get(child);
        for (;;) {
            String line = queue.poll(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
            if (line == null) {
                return null;
            }
            if (line.equals(END)) {
                queue.add(END); // later calls see the end too
                throw new IllegalStateException("child " + child + " ended before saying "
                        + word + "; see its standard error above");
            }
            if (line.equals(word) || line.startsWith(word + " ")) {
                return line;
            }
            System.err.println("[child " + child + "] " + line);
        }
    }

    /**
     * Sends a line to the child's standard input.
     *
     * @param child the child's index
     * @param line the line, without its end
     * @throws IOException if the child's input is closed
     */
    void send(int child, String line) throws IOException {
        OutputStream in = children.get(child).getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /**
     * Waits for every child to exit with status 0.
     *
     * @param seconds how long to wait for each
     * @throws IllegalStateException naming the first that did not
     * @throws InterruptedException if interrupted while waiting
     */
    void awaitCleanExit(long seconds) throws InterruptedException {
        for (int i = 0; i < children.size(); i++) {
            Process c = children.get(i);
            if (!c.waitFor(seconds, TimeUnit.SECONDS) || c.exitValue() != 0) {
                throw new IllegalStateException("child " + i + " did not exit cleanly");
            }
        }
    }

    /** Destroys every child still running (SIGKILL) and waits for each, 10 s at most. */
    @Override
    public void close() {
        for (Process c : children) {
            c.destroyForcibly();
        }
        for (Process c : children) {
            try {
                c.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- arguments, for coordinators and children alike ----

    /**
     * Parses {@code --name value} pairs.
     *
     * @param args the arguments
     * @param owner the class whose comment documents them, for the message
     * @return the values by name
     * @throws IllegalArgumentException if an argument is not such a pair
     */
    static Map<String, String> options(String[] args, Class<?> owner) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value, found " + args[i]
                        + "; see the class comment of " + owner.getName());
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }

    /**
     * A value that must be there.
     *
     * @param o the values
     * @param name its name
     * @return the value
     * @throws IllegalArgumentException if it is missing
     */
    static String required(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
