package dev.multilock.benchmarks;

import static dev.multilock.benchmarks.ChildProcesses.required;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Cross-process hand-off: {@code processes} JVMs (2 by default) contend for one key EXCLUSIVE
 * through the same PostgreSQL server, each with {@code threads} threads that take the key back to
 * back and release it at once. Measures acquisitions per second of all processes, each process's
 * share (fairness: every process must make progress), the hand-offs to another process per
 * second, and the latency of such a hand-off: from the holder's release in one process to the
 * grant in the other.
 *
 * <p>Why a harness and not JMH: JMH measures the threads of one JVM, and the second process would
 * be a load it cannot see (its progress, its share of the grants, the latency of a hand-off that
 * starts in one JVM and ends in the other). Here both processes are alike, children of this one,
 * started from the same class path with the same JVM options: each opens its pool and its locks
 * and takes the key once (outside the measurement), says {@code READY} on its standard output,
 * and waits for {@code GO start measureFrom end}, three {@code System.nanoTime()} values from
 * this process (one clock for every process on a host). Every thread starts at {@code start},
 * runs a warm-up until {@code measureFrom} (JIT, the pools, the server's caches), and records
 * every acquisition granted from then until {@code end}: its grant and release times and its
 * fencing token. Each child writes its record to a file; this process merges them in grant order
 * ({@link HandoffHistory}), checks exclusion, token order and progress, and writes the figures as
 * JSON.
 *
 * <p>What a hand-off costs. Plain JDBC ({@link PgContender#JDBC}): every acquisition waits in the
 * server's queue on a pooled connection, and the server hands the key to the first waiter, of
 * either process; with one thread per process every hand-off crosses processes. multilock: a
 * process keeps its server lock while a thread of its own wants the key, hands it on inside the
 * process, and once it hears that another process waits (its NOTIFY, or the heartbeat's look at
 * {@code pg_locks}) lets go after at most {@code handOffLimit} (32) more grants or
 * {@code handOffWindow} (50 ms); the other process's dedicated session, waiting in the server's
 * queue, gets the key, then reserves fencing tokens and looks for waiters behind it (two round
 * trips) before its thread is granted.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.multilock.benchmarks.CrossProcessHandoff --url
 * JDBC_URL --contender MULTILOCK|MULTILOCK_LOCK|JDBC [--processes 2] [--threads 1]
 * [--warmup SECONDS] [--seconds SECONDS] [--round N] --out FILE.json}. Exits non-zero if a child
 * fails or an invariant is broken. Children are destroyed whatever happens; once they are gone,
 * the server must hold no advisory lock.
 */
public final class CrossProcessHandoff {

    private static final String CHILD = "child";
    private static final String NAMESPACE = "CrossProcessHandoff";
    /** Words of one record in a child's file: request, grant, release, token, thread. */
    private static final int WORDS = 5;
    /** How long children may take to say READY (JVM start, pool, first acquisition). */
    private static final long READY_SECONDS = 60;
    /** How long children may take, beyond the run, to write their records and exit. */
    private static final long EXIT_SECONDS = 60;

    private CrossProcessHandoff() {}

    /**
     * Runs the coordinator, or a child when the first argument is {@value #CHILD}.
     *
     * @param args see the class comment
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(CHILD)) {
            child(ChildProcesses.options(Arrays.copyOfRange(args, 1, args.length),
                    CrossProcessHandoff.class));
            return;
        }
        Map<String, String> o = ChildProcesses.options(args, CrossProcessHandoff.class);
        int processes = Integer.parseInt(o.getOrDefault("processes", "2"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "1"));
        double warmup = Double.parseDouble(o.getOrDefault("warmup", "2"));
        double seconds = Double.parseDouble(o.getOrDefault("seconds", "5"));
        PgContender contender = PgContender.valueOf(required(o, "contender"));
        String url = required(o, "url");
        Path out = Path.of(required(o, "out"));
        int round = Integer.parseInt(o.getOrDefault("round", "1"));
        if (processes < 2 || threads < 1 || warmup < 0 || seconds <= 0) {
            throw new IllegalArgumentException("need --processes >= 2, --threads >= 1,"
                    + " --warmup >= 0 and --seconds > 0");
        }
        HandoffHistory.Figures f = coordinate(url, contender, processes, threads,
                toNanos(warmup), toNanos(seconds), out);
        ObjectNode json = json(f, contender, processes, threads, warmup, seconds, round);
        Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
        System.out.println(summary(f, contender, threads));
    }

    // ---- the coordinator ----

    private static HandoffHistory.Figures coordinate(String url, PgContender contender,
            int processes, int threads, long warmupNanos, long windowNanos, Path out)
            throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        try (ChildProcesses children = new ChildProcesses()) {
            for (int p = 0; p < processes; p++) {
                Path file = Path.of(out + ".child" + p + ".bin");
                files.add(file);
                children.start(ChildProcesses.javaCommand(List.of(), CrossProcessHandoff.class,
                        List.of(CHILD, "--url", url, "--contender", contender.name(),
                                "--threads", Integer.toString(threads),
                                "--process", Integer.toString(p), "--records",
                                file.toString())));
            }
            for (int p = 0; p < processes; p++) {
                children.expect(p, "READY", READY_SECONDS);
            }
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            long measureFrom = start + warmupNanos;
            long end = measureFrom + windowNanos;
            for (int p = 0; p < processes; p++) {
                children.send(p, "GO " + start + " " + measureFrom + " " + end);
            }
            long exitBy = TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime()) + EXIT_SECONDS;
            for (int p = 0; p < processes; p++) {
                children.expect(p, "DONE", exitBy);
            }
            children.awaitCleanExit(EXIT_SECONDS);
            List<HandoffHistory.Acquisition> all = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                read(files.get(p), p, all);
            }
            HandoffHistory.Figures f = HandoffHistory.analyse(processes, measureFrom,
                    windowNanos, all);
            PgServer.checkNoAdvisoryLocks(url);
            return f;
        } finally {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void read(Path file, int process, List<HandoffHistory.Acquisition> into)
            throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            long n = in.readLong();
            for (long i = 0; i < n; i++) {
                long requested = in.readLong();
                long granted = in.readLong();
                long released = in.readLong();
                long token = in.readLong();
                int thread = (int) in.readLong();
                into.add(new HandoffHistory.Acquisition(process, thread, requested, granted,
                        released, token));
            }
        }
    }

    private static ObjectNode json(HandoffHistory.Figures f, PgContender contender,
            int processes, int threads, double warmup, double seconds, int round) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode j = m.createObjectNode();
        j.put("benchmark", "CrossProcessHandoff");
        j.put("contender", contender.name());
        j.put("processes", processes);
        j.put("threadsPerProcess", threads);
        j.put("round", round);
        j.put("warmupSeconds", warmup);
        j.put("seconds", seconds);
        j.put("acquisitions", f.acquisitions());
        j.put("acquisitionsPerSecond", f.acquisitionsPerSecond());
        ArrayNode per = j.putArray("perProcess");
        for (long n : f.perProcess()) {
            per.add(n);
        }
        j.put("crossHandoffs", f.crossHandoffs());
        j.put("crossHandoffsPerSecond", f.crossHandoffsPerSecond());
        latencies(j.putObject("crossLatencyMicros"), f.crossLatencies());
        j.put("localHandoffs", f.localHandoffs());
        latencies(j.putObject("localLatencyMicros"), f.localLatencies());
        latencies(j.putObject("waitMicros"), f.waits());
        j.put("longestRun", f.longestRun());
        j.put("longestWaitMillis", f.longestWaitNanos() / 1e6);
        j.put("tokensChecked", f.tokensChecked());
        return j;
    }

    /**
     * Puts the count, p50, p90, p99, max and mean of sorted nanosecond values into {@code j}, in
     * µs (nothing but the count when there are none); {@link DistributedScenarios} writes its
     * latencies the same way.
     */
    static void latencies(ObjectNode j, long[] sorted) {
        j.put("count", sorted.length);
        if (sorted.length == 0) {
            return; // no such hand-off: no figures, rather than NaN in the JSON
        }
        j.put("p50", HandoffHistory.quantile(sorted, 0.50) / 1e3);
        j.put("p90", HandoffHistory.quantile(sorted, 0.90) / 1e3);
        j.put("p99", HandoffHistory.quantile(sorted, 0.99) / 1e3);
        j.put("max", sorted[sorted.length - 1] / 1e3);
        double sum = 0;
        for (long v : sorted) {
            sum += v;
        }
        j.put("mean", sum / sorted.length / 1e3);
    }

    private static String summary(HandoffHistory.Figures f, PgContender contender, int threads) {
        return String.format(Locale.ROOT, "CrossProcessHandoff %s, %d processes x %d threads:"
                + " %.0f acquisitions/s %s, %.0f cross-process hand-offs/s, latency p50 %.0f us"
                + " p99 %.0f us, wait p50 %.0f us p99 %.0f us, longest run %d, longest wait"
                + " %.1f ms%s",
                contender, f.perProcess().length, threads, f.acquisitionsPerSecond(),
                Arrays.toString(f.perProcess()), f.crossHandoffsPerSecond(),
                HandoffHistory.quantile(f.crossLatencies(), 0.5) / 1e3,
                HandoffHistory.quantile(f.crossLatencies(), 0.99) / 1e3,
                HandoffHistory.quantile(f.waits(), 0.5) / 1e3,
                HandoffHistory.quantile(f.waits(), 0.99) / 1e3, f.longestRun(),
                f.longestWaitNanos() / 1e6, f.tokensChecked() ? ", tokens in grant order" : "");
    }

    // ---- a child ----

    private static void child(Map<String, String> o) throws Exception {
        String url = required(o, "url");
        PgContender contender = PgContender.valueOf(required(o, "contender"));
        int threads = Integer.parseInt(required(o, "threads"));
        Path records = Path.of(required(o, "records"));
        HikariDataSource pool = PgServer.pool(url, threads + PostgresBenchmark.SPARE_CONNECTIONS,
                "cross-process-" + required(o, "process"));
        long[][] recorded = new long[threads][];
        int[] counts = new int[threads];
        try (PgLocks locks = contender.create(pool, NAMESPACE, 1)) {
            locks.unlock(0, locks.lock(0)); // opens the sessions, outside the measurement
            System.out.println("READY");
            System.out.flush();
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in,
                    StandardCharsets.UTF_8));
            String go = stdin.readLine();
            if (go == null || !go.startsWith("GO ")) {
                throw new IllegalStateException("expected GO, got " + go);
            }
            String[] t = go.split(" ");
            long start = Long.parseLong(t[1]);
            long measureFrom = Long.parseLong(t[2]);
            long end = Long.parseLong(t[3]);
            Thread[] workers = new Thread[threads];
            Throwable[] failures = new Throwable[threads];
            for (int i = 0; i < threads; i++) {
                int me = i;
                workers[i] = new Thread(() -> {
                    try {
                        recorded[me] = loop(locks, me, start, measureFrom, end, counts);
                    } catch (Throwable e) {
                        failures[me] = e;
                    }
                }, "contender-" + i);
                workers[i].start();
            }
            for (int i = 0; i < threads; i++) {
                workers[i].join();
                if (failures[i] != null) {
                    throw new IllegalStateException("thread " + i + " failed", failures[i]);
                }
            }
        } finally {
            pool.close();
        }
        try (DataOutputStream file = new DataOutputStream(Files.newOutputStream(records))) {
            long n = 0;
            for (int c : counts) {
                n += c;
            }
            file.writeLong(n);
            for (int i = 0; i < threads; i++) {
                for (int r = 0; r < counts[i]; r++) {
                    for (int w = 0; w < WORDS; w++) {
                        file.writeLong(recorded[i][r * WORDS + w]);
                    }
                }
            }
        }
        System.out.println("DONE");
        System.out.flush();
    }

    /**
     * One thread: from {@code start}, take the key and let it go until {@code end}; record the
     * acquisitions granted from {@code measureFrom} on.
     */
    private static long[] loop(PgLocks locks, int thread, long start, long measureFrom,
            long end, int[] counts) {
        long[] r = new long[WORDS * 4096];
        int n = 0;
        for (long wait; (wait = start - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(wait); // until the common start
        }
        for (long requested; (requested = System.nanoTime()) - end < 0; ) {
            Object token = locks.lock(0);
            long granted = System.nanoTime();
            long fencing = locks.fencingToken(token);
            long released = System.nanoTime();
            locks.unlock(0, token);
            if (granted - measureFrom >= 0 && granted - end < 0) {
                if ((n + 1) * WORDS > r.length) {
                    r = Arrays.copyOf(r, r.length * 2);
                }
                int at = n * WORDS;
                r[at] = requested;
                r[at + 1] = granted;
                r[at + 2] = released;
                r[at + 3] = fencing;
                r[at + 4] = thread;
                n++;
            }
        }
        counts[thread] = n; // published by Thread.join
        return r;
    }

    private static long toNanos(double seconds) {
        return (long) (seconds * 1e9);
    }
}
