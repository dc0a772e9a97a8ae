package dev.multilock.benchmarks;

import static dev.multilock.benchmarks.ChildProcesses.required;
import static dev.multilock.benchmarks.CrossProcessHandoff.latencies;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Distributed read/write locks side by side (issue 13): multilock-postgres, Redisson's
 * {@code RReadWriteLock} and Curator's {@code InterProcessReadWriteLock} ({@link DistContender}),
 * each on its own server on this host, driven by 2 to 4 client JVMs that this coordinator starts
 * (children of the same class path) and checks.
 *
 * <p>One run is one scenario of one contender ({@code --scenario}):
 * <ol>
 *   <li>{@code uncontended}: 2 processes, one thread each, each on a key of its own; an acquire +
 *       release pair back to back, SHARED for the first window and EXCLUSIVE for the second;
 *       latency of a pair.
 *   <li>{@code throughput}: 2 processes × 2 threads, acquire + release with no work between, in
 *       four windows: 90:10 and 50:50 (SHARED:EXCLUSIVE), on one key and on 16; pairs per second
 *       over all processes. Exclusion is checked on every key ({@link HoldHistory}).
 *   <li>{@code handoff}: 2 processes, one thread each, one key, EXCLUSIVE back to back: the time
 *       from a release in one process to the grant in the other ({@link HandoffHistory}).
 *   <li>{@code fairness}: 3 reader processes of 2 threads each hold one key SHARED for
 *       {@code --hold-ms} each, staggered so that a reader always holds, while a writer process
 *       asks for it EXCLUSIVE every {@code --pause-ms}: the writer's waits, its grants, the
 *       readers' grants. Pass: the writer was granted and its 99th percentile wait is at most 10
 *       reader holds, no request of it left waiting at the end.
 *   <li>{@code kill}: a holder process takes the key EXCLUSIVE, a waiter in another process asks
 *       for it; the holder is killed (SIGKILL); the time from the kill to the waiter's grant.
 *   <li>{@code stall}: the same, but the holder is stopped (SIGSTOP) for {@code --stall}
 *       seconds, longer than the peers' lease, then resumed (SIGCONT) and told to write. Records
 *       whether the waiter was granted during the stop, what the holder's check of its lock
 *       said right after it resumed ({@link DistLocks#check}), whether a {@link FencedStore}
 *       refused its write, how long it took to learn of the loss, and how its release ended.
 * </ol>
 *
 * <p>Each child connects, takes its key once (outside any measurement), says {@code READY}, and
 * then follows the coordinator's lines on its standard input. Windows start at a common
 * {@code System.nanoTime()} value (one clock for every process on a host), after a warm-up.
 * Records come back in files; the coordinator merges them, checks exclusion, and writes one JSON
 * file. Children are destroyed (SIGKILL) whatever happens; once they are gone, the PostgreSQL
 * server must hold no advisory lock (multilock-postgres runs).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.multilock.benchmarks.DistributedScenarios
 * --scenario NAME --contender MULTILOCK|REDISSON|CURATOR --pg JDBC_URL --redis redis://HOST:PORT
 * --zk HOST:PORT --lease-ms MS [--warmup S] [--seconds S] [--stall S] [--hold-ms MS]
 * [--pause-ms MS] [--learn-ms MS] [--jvm OPTIONS] [--round N] --out FILE.json}.
 * {@code --lease-ms} is Redisson's {@code lockWatchdogTimeout} and Curator's session timeout;
 * {@code --learn-ms} how long scenario 6's resumed holder watches its lock (3000); {@code --jvm}
 * more options for the client JVMs, space-separated (the smoke's {@code
 * -XX:TieredStopAtLevel=1}). Exits non-zero if a child fails or an invariant is broken.
 */
public final class DistributedScenarios {

    private static final String CHILD = "child";
    /** Words of one record in a child's file; see {@link #write} and {@link #read}. */
    private static final int WORDS = 7;
    /** How long children may take to say READY (JVM start, connections, first acquisition). */
    private static final long READY_SECONDS = 90;
    /** How long one lock call may wait in the measured scenarios before the run fails. */
    private static final long LOCK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long the waiter of scenario 5 and 6 may wait, beyond the lease. */
    private static final long FAILOVER_SECONDS = 60;
    /**
     * How long the resumed holder of scenario 6 watches for a sign that it lost the lock, unless
     * {@code --learn-ms} says otherwise.
     */
    private static final String LEARN_MILLIS = "3000";
    /** Readers in the fairness scenario, and threads in each. */
    static final int READERS = 3;
    static final int READER_THREADS = 2;
    /** The fairness verdict: the writer's 99th percentile wait, in reader holds, at most. */
    static final int FAIR_HOLDS = 10;
    /** Options of every child JVM: a small heap and the serial collector, on 2 cores. */
    private static final List<String> CHILD_JVM = List.of("-XX:+UseSerialGC", "-Xmx256m");
    private static final ObjectMapper JSON = new ObjectMapper();

    private DistributedScenarios() {}

    /**
     * Runs the coordinator, or a child when the first argument is {@value #CHILD}.
     *
     * @param args see the class comment
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(CHILD)) {
            Child.run(ChildProcesses.options(Arrays.copyOfRange(args, 1, args.length),
                    DistributedScenarios.class));
            return;
        }
        Map<String, String> o = ChildProcesses.options(args, DistributedScenarios.class);
        Run run = new Run(o);
        ObjectNode json = run.execute();
        Files.writeString(Path.of(required(o, "out")), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
        System.out.println("DistributedScenarios " + run.scenario + " " + run.contender + ": "
                + JSON.writeValueAsString(json.path("summary")));
    }

    // ---- the coordinator ----

    /** One run of one scenario of one contender. */
    private static final class Run {
        final String scenario;
        final DistContender contender;
        final Map<String, String> o;
        final double warmup;
        final double seconds;
        final Path out;
        final String namespace;
        final List<Path> files = new ArrayList<>();

        Run(Map<String, String> o) {
            this.o = o;
            this.scenario = required(o, "scenario");
            this.contender = DistContender.valueOf(required(o, "contender"));
            this.warmup = Double.parseDouble(o.getOrDefault("warmup", "1"));
            this.seconds = Double.parseDouble(o.getOrDefault("seconds", "2"));
            this.out = Path.of(required(o, "out"));
            // a fresh namespace per run: nothing left by an earlier run can meet this one
            this.namespace = "dist-" + scenario + "-" + Long.toHexString(System.nanoTime());
        }

        ObjectNode execute() throws Exception {
            ObjectNode j = JSON.createObjectNode();
            j.put("benchmark", "DistributedScenarios");
            j.put("scenario", scenario);
            j.put("contender", contender.name());
            j.put("round", Integer.parseInt(o.getOrDefault("round", "1")));
            j.put("leaseMillis", Long.parseLong(required(o, "lease-ms")));
            try (ChildProcesses children = new ChildProcesses()) {
                switch (scenario) {
                    case "uncontended" -> windows(children, j, 2, 1, true,
                            new String[] {"100:0@1", "0:100@1"});
                    case "throughput" -> windows(children, j, 2, 2, false,
                            new String[] {"90:10@1", "90:10@16", "50:50@1", "50:50@16"});
                    case "handoff" -> windows(children, j, 2, 1, false,
                            new String[] {"0:100@1"});
                    case "fairness" -> fairness(children, j);
                    case "kill" -> kill(children, j);
                    case "stall" -> stall(children, j);
                    default -> throw new IllegalArgumentException("no scenario " + scenario);
                }
                if (contender == DistContender.MULTILOCK) {
                    // every child is gone: a lock left in the server would be a leak
                    PgServer.checkNoAdvisoryLocks(required(o, "pg"));
                }
            } finally {
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
            }
            return j;
        }

        /** Starts a child with a role; returns its index. */
        int child(ChildProcesses children, String role, int process, int threads, int keys,
                String... more) throws IOException {
            Path records = Path.of(out + ".child" + process);
            List<String> args = new ArrayList<>(List.of(CHILD, "--role", role, "--contender",
                    contender.name(), "--pg", required(o, "pg"), "--redis",
                    required(o, "redis"), "--zk", required(o, "zk"), "--lease-ms",
                    required(o, "lease-ms"), "--namespace", namespace, "--process",
                    Integer.toString(process), "--threads", Integer.toString(threads),
                    "--keys", Integer.toString(keys), "--records", records.toString()));
            args.addAll(List.of(more));
            List<String> jvm = new ArrayList<>(CHILD_JVM);
            String options = o.getOrDefault("jvm", "").strip();
            if (!options.isEmpty()) {
                jvm.addAll(List.of(options.split("\\s+")));
            }
            return children.start(ChildProcesses.javaCommand(jvm, DistributedScenarios.class,
                    args));
        }

        /** Scenarios 1 to 3: windows of acquire + release pairs, one per phase. */
        void windows(ChildProcesses children, ObjectNode j, int processes, int threads,
                boolean disjoint, String[] phases) throws Exception {
            int maxKeys = 1;
            for (String ph : phases) {
                maxKeys = Math.max(maxKeys, Integer.parseInt(ph.substring(ph.indexOf('@') + 1)));
            }
            for (int p = 0; p < processes; p++) {
                child(children, "ops", p, threads, disjoint ? maxKeys * processes : maxKeys,
                        "--disjoint", Boolean.toString(disjoint));
            }
            awaitReady(children, processes);
            ArrayNode results = j.putArray("phases");
            ObjectNode summary = j.putObject("summary");
            for (int phase = 0; phase < phases.length; phase++) {
                String[] spec = phases[phase].split("@");
                int sharedPct = Integer.parseInt(spec[0].split(":")[0]);
                int keys = Integer.parseInt(spec[1]);
                long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                long measureFrom = start + toNanos(warmup);
                long windowNanos = toNanos(seconds);
                long end = measureFrom + windowNanos;
                for (int p = 0; p < processes; p++) {
                    children.send(p, "GO " + phase + " " + start + " " + measureFrom + " " + end
                            + " " + sharedPct + " " + keys);
                }
                List<HoldHistory.Hold> holds = collect(children, processes, phase, end);
                HoldHistory.checkExclusion(holds);
                ObjectNode r = results.addObject();
                r.put("mix", spec[0]);
                r.put("keys", keys);
                r.put("processes", processes);
                r.put("threadsPerProcess", threads);
                r.put("seconds", seconds);
                r.put("pairs", holds.size());
                r.put("pairsPerSecond", holds.size() * 1e9 / windowNanos);
                latencies(r.putObject("pairMicros"), HoldHistory.pairTimes(holds));
                latencies(r.putObject("waitMicros"), HoldHistory.waits(holds));
                if (scenario.equals("handoff")) {
                    HandoffHistory.Figures f = HandoffHistory.analyse(processes, measureFrom,
                            windowNanos, HoldHistory.acquisitions(holds));
                    r.put("crossHandoffsPerSecond", f.crossHandoffsPerSecond());
                    latencies(r.putObject("crossLatencyMicros"), f.crossLatencies());
                    summary.put("handoffP50Micros",
                            HandoffHistory.quantile(f.crossLatencies(), 0.5) / 1e3);
                }
                summary.put(spec[0] + "@" + keys + (scenario.equals("uncontended")
                        ? " pair p50 us" : " pairs/s"), scenario.equals("uncontended")
                        ? HandoffHistory.quantile(HoldHistory.pairTimes(holds), 0.5) / 1e3
                        : holds.size() * 1e9 / windowNanos);
            }
            for (int p = 0; p < processes; p++) {
                children.send(p, "QUIT");
            }
            for (int p = 0; p < processes; p++) {
                children.expect(p, "DONE", 60);
            }
            children.awaitCleanExit(30);
        }

        /** Waits for each child's PHASE line and reads its records of that phase. */
        List<HoldHistory.Hold> collect(ChildProcesses children, int processes, int phase,
                long end) throws Exception {
            double exitBy = (end - System.nanoTime()) / 1e9 + 60;
            List<HoldHistory.Hold> holds = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                children.expect(p, "PHASE " + phase, exitBy);
                Path file = Path.of(out + ".child" + p + "." + phase);
                files.add(file);
                read(file, p, holds);
            }
            return holds;
        }

        /** Scenario 4: a writer among a steady stream of readers. */
        void fairness(ChildProcesses children, ObjectNode j) throws Exception {
            long holdMs = Long.parseLong(o.getOrDefault("hold-ms", "20"));
            long pauseMs = Long.parseLong(o.getOrDefault("pause-ms", "50"));
            for (int p = 0; p < READERS; p++) {
                child(children, "reader", p, READER_THREADS, 1);
            }
            int writer = child(children, "writer", READERS, 1, 1);
            int processes = READERS + 1;
            awaitReady(children, processes);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            long measureFrom = start + toNanos(warmup);
            long windowNanos = toNanos(seconds);
            long end = measureFrom + windowNanos;
            for (int p = 0; p < READERS; p++) {
                children.send(p, "GO 0 " + start + " " + measureFrom + " " + end + " " + holdMs);
            }
            children.send(writer, "GO 0 " + start + " " + measureFrom + " " + end + " "
                    + pauseMs);
            List<HoldHistory.Hold> holds = collect(children, processes, 0, end);
            HoldHistory.checkExclusion(holds);
            for (int p = 0; p < processes; p++) {
                children.send(p, "QUIT");
                children.expect(p, "DONE", 60);
            }
            children.awaitCleanExit(30);
            List<HoldHistory.Hold> writes = new ArrayList<>();
            long readerGrants = 0;
            for (HoldHistory.Hold h : holds) {
                if (h.exclusive()) {
                    writes.add(h);
                } else {
                    readerGrants++;
                }
            }
            Fairness f = Fairness.of(writes, holdMs);
            j.put("readers", READERS);
            j.put("readerThreads", READER_THREADS);
            j.put("readerHoldMillis", holdMs);
            j.put("writerPauseMillis", pauseMs);
            j.put("seconds", seconds);
            j.put("readerGrants", readerGrants);
            j.put("writerRequests", f.requests());
            j.put("writerGrants", f.grants());
            j.put("writerNotGranted", f.requests() - f.grants());
            j.put("writerWaitP50Millis", f.p50Millis());
            j.put("writerWaitP99Millis", f.p99Millis());
            j.put("writerWaitMaxMillis", f.maxMillis());
            j.put("pass", f.pass());
            ObjectNode s = j.putObject("summary");
            s.put("writer grants", f.grants());
            s.put("writer requests", f.requests());
            s.put("reader grants", readerGrants);
            s.put("writer wait p99 ms", f.p99Millis());
            s.put("pass", f.pass());
        }

        /** Scenario 5: the holder is killed while another process waits. */
        void kill(ChildProcesses children, ObjectNode j) throws Exception {
            int holder = child(children, "holder", 0, 1, 1);
            int waiter = child(children, "waiter", 1, 1, 1);
            awaitReady(children, 2);
            holdAndQueue(children, holder, waiter);
            long killed = System.nanoTime();
            children.process(holder).destroyForcibly();
            String[] granted = children.expect(waiter, "GRANTED", leaseSeconds()
                    + FAILOVER_SECONDS).split(" ");
            double failover = (Long.parseLong(granted[1]) - killed) / 1e6;
            children.send(waiter, "RELEASE");
            children.expect(waiter, "DONE", 60);
            j.put("failoverMillis", failover);
            j.putObject("summary").put("failover ms", failover);
        }

        /** Scenario 6: the holder is stopped longer than the lease, then resumed. */
        void stall(ChildProcesses children, ObjectNode j) throws Exception {
            double stall = Double.parseDouble(o.getOrDefault("stall", "15"));
            Path store = Path.of(out + ".store");
            files.add(store);
            Files.deleteIfExists(store);
            int holder = child(children, "holder", 0, 1, 1, "--store", store.toString(),
                    "--learn-ms", o.getOrDefault("learn-ms", LEARN_MILLIS));
            int waiter = child(children, "waiter", 1, 1, 1, "--store", store.toString());
            awaitReady(children, 2);
            String[] held = holdAndQueue(children, holder, waiter);
            long holderToken = Long.parseLong(held[2]);
            long pid = children.process(holder).pid();
            long stopped = System.nanoTime();
            signal(pid, "STOP");
            String[] waiterGrant = null;
            try {
                String line = children.poll(waiter, "GRANTED", stall);
                if (line != null) {
                    waiterGrant = line.split(" ");
                }
                long resumeAt = stopped + toNanos(stall);
                for (long left; (left = resumeAt - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(left);
                }
            } finally {
                signal(pid, "CONT");
            }
            long resumed = System.nanoTime();
            children.send(holder, "WRITE");
            ObjectNode result = (ObjectNode) JSON.readTree(children.expect(holder, "RESULT", 60)
                    .substring("RESULT ".length()));
            children.expect(holder, "DONE", 60);
            boolean duringStall = waiterGrant != null;
            if (waiterGrant == null) {
                waiterGrant = children.expect(waiter, "GRANTED", 60).split(" ");
            }
            children.send(waiter, "RELEASE");
            children.expect(waiter, "DONE", 60);
            children.awaitCleanExit(30);
            List<FencedStore.Write> writes = FencedStore.parse(Files.readString(store,
                    StandardCharsets.UTF_8));
            j.put("stallSeconds", stall);
            j.put("learnMillis", Long.parseLong(o.getOrDefault("learn-ms", LEARN_MILLIS)));
            j.put("acquiredDuringStall", duringStall);
            j.put("waiterGrantAfterStopMillis", (Long.parseLong(waiterGrant[1]) - stopped) / 1e6);
            j.put("waiterGrantAfterResumeMillis",
                    (Long.parseLong(waiterGrant[1]) - resumed) / 1e6);
            j.put("holderToken", holderToken);
            j.put("waiterToken", Long.parseLong(waiterGrant[2]));
            j.setAll(result);
            ArrayNode history = j.putArray("store");
            for (FencedStore.Write w : writes) {
                history.add(w.writer() + " token " + (w.token() == DistLocks.NO_TOKEN ? "none"
                        : Long.toString(w.token())) + (w.accepted() ? " accepted" : " refused"));
            }
            Stall verdict = Stall.of(duringStall, result.path("checkHeld").asBoolean(),
                    result.path("writeAccepted").asBoolean());
            j.put("verdict", verdict.name());
            ObjectNode s = j.putObject("summary");
            s.put("acquired during stall", duringStall);
            s.put("holder's check", result.path("checkWhat").asText());
            s.put("stale write accepted", duringStall && result.path("writeAccepted")
                    .asBoolean());
            s.put("verdict", verdict.name());
        }

        /** The holder takes the key, then the waiter asks for it; returns the HELD line. */
        String[] holdAndQueue(ChildProcesses children, int holder, int waiter)
                throws Exception {
            children.send(holder, "GO");
            String[] held = children.expect(holder, "HELD", 60).split(" ");
            children.send(waiter, "GO");
            children.expect(waiter, "WAITING", 60);
            // time for the request to reach the server's queue (and a wrong grant to show)
            String early = children.poll(waiter, "GRANTED", 0.5);
            if (early != null) {
                throw new IllegalStateException("exclusion broken: the waiter was granted while"
                        + " the holder held the key: " + early);
            }
            return held;
        }

        long leaseSeconds() {
            return Long.parseLong(required(o, "lease-ms")) / 1000;
        }

        void awaitReady(ChildProcesses children, int processes) throws InterruptedException {
            for (int p = 0; p < processes; p++) {
                children.expect(p, "READY", READY_SECONDS);
            }
        }
    }

    /** Sends a signal (STOP, CONT) to a process with {@code kill}. */
    private static void signal(long pid, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid + " failed");
        }
    }

    /**
     * The writer's figures of the fairness scenario.
     *
     * @param requests the writer's requests made in the window
     * @param grants those granted
     * @param p50Millis median wait (a request never granted counts its whole wait)
     * @param p99Millis 99th percentile wait
     * @param maxMillis longest wait
     * @param pass whether the writer was not starved: granted at least once, every request
     *     granted, and a 99th percentile wait of at most {@value #FAIR_HOLDS} reader holds
     */
    record Fairness(long requests, long grants, double p50Millis, double p99Millis,
            double maxMillis, boolean pass) {

        static Fairness of(List<HoldHistory.Hold> writes, long holdMillis) {
            long[] waits = HoldHistory.waits(writes);
            long grants = writes.stream().filter(HoldHistory.Hold::isGranted).count();
            double p99 = HandoffHistory.quantile(waits, 0.99) / 1e6;
            boolean pass = grants > 0 && grants == writes.size()
                    && p99 <= FAIR_HOLDS * holdMillis;
            return new Fairness(writes.size(), grants, HandoffHistory.quantile(waits, 0.5) / 1e6,
                    p99, waits.length == 0 ? Double.NaN : waits[waits.length - 1] / 1e6, pass);
        }
    }

    /** What scenario 6 found, from the worst to the best. */
    enum Stall {
        /** Another process was granted during the stop and the resumed holder's write landed. */
        STALE_WRITE_ACCEPTED,
        /** Another process was granted during the stop; the store refused the stale write. */
        FENCED,
        /** Nobody else was granted while the holder was stopped: exclusion held. */
        EXCLUSION_KEPT;

        /**
         * The verdict.
         *
         * @param acquiredDuringStall whether the waiter was granted while the holder was stopped
         * @param checkHeld what the holder's check said (not part of the verdict: a check cannot
         *     make a later write safe; kept for the report)
         * @param writeAccepted whether the store applied the holder's write
         * @return the verdict
         */
        static Stall of(boolean acquiredDuringStall, boolean checkHeld, boolean writeAccepted) {
            if (!acquiredDuringStall) {
                return EXCLUSION_KEPT;
            }
            return writeAccepted ? STALE_WRITE_ACCEPTED : FENCED;
        }

        /**
         * Whether the verdict is safe: exclusion kept, or the stale write refused.
         *
         * @return whether it is
         */
        boolean safe() {
            return this != STALE_WRITE_ACCEPTED;
        }
    }

    private static void read(Path file, int process, List<HoldHistory.Hold> into)
            throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            long n = in.readLong();
            for (long i = 0; i < n; i++) {
                int key = (int) in.readLong();
                boolean exclusive = in.readLong() != 0;
                long requested = in.readLong();
                long granted = in.readLong();
                long released = in.readLong();
                long done = in.readLong();
                int thread = (int) in.readLong();
                into.add(new HoldHistory.Hold(process, thread, key, exclusive, requested,
                        granted, released, done));
            }
        }
    }

    private static long toNanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    // ---- a child ----

    /** A client process: connects its contender's locks and follows the coordinator. */
    private static final class Child {
        final DistLocks locks;
        final Map<String, String> o;
        final int process;
        final int threads;
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in,
                StandardCharsets.UTF_8));

        Child(Map<String, String> o, DistLocks locks) {
            this.o = o;
            this.locks = locks;
            this.process = Integer.parseInt(required(o, "process"));
            this.threads = Integer.parseInt(required(o, "threads"));
        }

        static void run(Map<String, String> o) throws Exception {
            DistContender c = DistContender.valueOf(required(o, "contender"));
            DistContender.Servers servers = new DistContender.Servers(required(o, "pg"),
                    required(o, "redis"), required(o, "zk"),
                    Long.parseLong(required(o, "lease-ms")));
            int keys = Integer.parseInt(required(o, "keys"));
            int threads = Integer.parseInt(required(o, "threads"));
            try (DistLocks locks = c.create(servers, required(o, "namespace"), keys, threads)) {
                Child child = new Child(o, locks);
                // opens the sessions outside any measurement
                int warmKey = Boolean.parseBoolean(o.getOrDefault("disjoint", "false"))
                        ? child.process * (keys / 2) : 0;
                locks.unlock(locks.lock(warmKey, true, LOCK_TIMEOUT_NANOS));
                say("READY");
                switch (required(o, "role")) {
                    case "ops", "reader", "writer" -> child.phases();
                    case "holder" -> child.holder();
                    case "waiter" -> child.waiter();
                    default -> throw new IllegalArgumentException("no role " + o.get("role"));
                }
            }
            say("DONE");
        }

        /** Runs each GO line's window until QUIT. */
        void phases() throws Exception {
            for (String line; (line = stdin.readLine()) != null && !line.equals("QUIT"); ) {
                String[] t = line.split(" ");
                int phase = Integer.parseInt(t[1]);
                long start = Long.parseLong(t[2]);
                long measureFrom = Long.parseLong(t[3]);
                long end = Long.parseLong(t[4]);
                long arg = Long.parseLong(t[5]);
                int keys = t.length > 6 ? Integer.parseInt(t[6]) : 1;
                String role = required(o, "role");
                long[][] recorded = new long[threads][];
                Thread[] workers = new Thread[threads];
                Throwable[] failures = new Throwable[threads];
                for (int i = 0; i < threads; i++) {
                    int me = i;
                    workers[i] = new Thread(() -> {
                        try {
                            recorded[me] = switch (role) {
                                case "ops" -> ops(me, start, measureFrom, end, (int) arg, keys);
                                case "reader" -> reader(me, start, measureFrom, end, arg);
                                default -> writer(start, measureFrom, end, arg);
                            };
                        } catch (Throwable e) {
                            failures[me] = e;
                        }
                    }, role + "-" + i);
                    workers[i].start();
                }
                for (int i = 0; i < threads; i++) {
                    workers[i].join();
                    if (failures[i] != null) {
                        throw new IllegalStateException("thread " + i + " failed", failures[i]);
                    }
                }
                write(Path.of(required(o, "records") + "." + phase), recorded);
                say("PHASE " + phase);
            }
        }

        /** Scenarios 1 to 3: pairs back to back, SHARED for {@code sharedPct} % of them. */
        long[] ops(int thread, long start, long measureFrom, long end, int sharedPct, int keys) {
            SplittableRandom random = new SplittableRandom(process * 1000L + thread);
            int offset = Boolean.parseBoolean(o.getOrDefault("disjoint", "false"))
                    ? process * keys : 0;
            Records r = new Records();
            parkUntil(start);
            for (long requested; (requested = System.nanoTime()) - end < 0; ) {
                boolean exclusive = random.nextInt(100) >= sharedPct;
                int key = offset + (keys == 1 ? 0 : random.nextInt(keys));
                Object grant = lockOrFail(key, exclusive);
                long granted = System.nanoTime();
                long released = System.nanoTime();
                locks.unlock(grant);
                long done = System.nanoTime();
                if (granted - measureFrom >= 0 && granted - end < 0) {
                    r.add(key, exclusive, requested, granted, released, done, thread);
                }
            }
            return r.words();
        }

        /** Scenario 4, a reader: SHARED holds of {@code holdMs}, threads staggered. */
        long[] reader(int thread, long start, long measureFrom, long end, long holdMs) {
            Records r = new Records();
            long hold = TimeUnit.MILLISECONDS.toNanos(holdMs);
            // processes and threads spread over one hold, so that a reader always holds
            int slot = process * threads + thread;
            parkUntil(start + hold * slot / (READERS * threads));
            for (long requested; (requested = System.nanoTime()) - end < 0; ) {
                Object grant = lockOrFail(0, false);
                long granted = System.nanoTime();
                parkUntil(granted + hold);
                long released = System.nanoTime();
                locks.unlock(grant);
                long done = System.nanoTime();
                if (granted - measureFrom >= 0 && granted - end < 0) {
                    r.add(0, false, requested, granted, released, done, thread);
                }
            }
            return r.words();
        }

        /** Scenario 4, the writer: EXCLUSIVE every {@code pauseMs}, waiting until the end. */
        long[] writer(long start, long measureFrom, long end, long pauseMs) {
            Records r = new Records();
            parkUntil(start);
            for (;;) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMs));
                long requested = System.nanoTime();
                if (requested - end >= 0) {
                    return r.words();
                }
                // a request still waiting a second after the window is cut off there
                long timeout = end - requested + TimeUnit.SECONDS.toNanos(1);
                Object grant = locks.lock(0, true, timeout);
                long granted = System.nanoTime();
                // every request whose wait reaches into the window counts, from its call
                if (grant == null) {
                    if (granted - measureFrom >= 0) {
                        r.add(0, true, requested, HoldHistory.NOT_GRANTED, granted, granted, 0);
                    }
                    return r.words();
                }
                parkUntil(granted + TimeUnit.MILLISECONDS.toNanos(1));
                long released = System.nanoTime();
                locks.unlock(grant);
                long done = System.nanoTime();
                if (granted - measureFrom >= 0) {
                    r.add(0, true, requested, granted, released, done, 0);
                }
            }
        }

        /** Scenarios 5 and 6, the holder: takes the key, then waits to be killed or resumed. */
        void holder() throws Exception {
            expectLine("GO");
            Object grant = lockOrFail(0, true);
            long granted = System.nanoTime();
            long token = locks.fencingToken(grant); // taken at the grant, as a user would
            say("HELD " + granted + " " + token);
            expectLine("WRITE"); // after SIGCONT: the holder goes on where it stopped
            long t0 = System.nanoTime();
            DistLocks.Check check = locks.check(grant);
            long checked = System.nanoTime();
            boolean accepted = FencedStore.write(Path.of(required(o, "store")), "holder",
                    token);
            // how long until the lock tells this process it lost the key, if it ever does
            long learned = -1;
            DistLocks.Check last = check;
            long until = checked + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(
                    o.getOrDefault("learn-ms", LEARN_MILLIS)));
            while (last.held() && System.nanoTime() - until < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                last = locks.check(grant);
            }
            if (!last.held()) {
                learned = System.nanoTime() - t0;
            }
            String release;
            try {
                locks.unlock(grant);
                release = "returned normally";
            } catch (RuntimeException e) {
                release = "threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            ObjectNode j = JSON.createObjectNode();
            j.put("checkHeld", check.held());
            j.put("checkWhat", check.what());
            j.put("checkMicros", (checked - t0) / 1e3);
            j.put("writeAccepted", accepted);
            j.put("learnedLossMillis", learned < 0 ? -1 : learned / 1e6);
            j.put("lastCheckWhat", last.what());
            j.put("release", release);
            say("RESULT " + JSON.writeValueAsString(j));
        }

        /** Scenarios 5 and 6, the waiter: asks for the key, writes once granted. */
        void waiter() throws Exception {
            expectLine("GO");
            say("WAITING " + System.nanoTime());
            long lease = Long.parseLong(required(o, "lease-ms"));
            Object grant = locks.lock(0, true, TimeUnit.MILLISECONDS.toNanos(lease)
                    + TimeUnit.SECONDS.toNanos(FAILOVER_SECONDS));
            long granted = System.nanoTime();
            if (grant == null) {
                throw new IllegalStateException("the waiter was not granted within the lease"
                        + " and " + FAILOVER_SECONDS + " s");
            }
            long token = locks.fencingToken(grant);
            boolean accepted = true;
            String store = o.get("store");
            if (store != null) {
                accepted = FencedStore.write(Path.of(store), "waiter", token);
            }
            say("GRANTED " + granted + " " + token + " " + accepted);
            expectLine("RELEASE");
            locks.unlock(grant);
        }

        Object lockOrFail(int key, boolean exclusive) {
            Object grant = locks.lock(key, exclusive, LOCK_TIMEOUT_NANOS);
            if (grant == null) {
                throw new IllegalStateException("waited over 30 s for key " + key + " ("
                        + (exclusive ? "EXCLUSIVE" : "SHARED") + ") in process " + process);
            }
            return grant;
        }

        void expectLine(String word) throws IOException {
            String line = stdin.readLine();
            if (line == null || !line.startsWith(word)) {
                throw new IllegalStateException("expected " + word + ", got " + line);
            }
        }
    }

    /** A thread's records, {@value #WORDS} words each, in a growing array. */
    private static final class Records {
        private long[] words = new long[WORDS * 1024];
        private int n;

        void add(int key, boolean exclusive, long requested, long granted, long released,
                long done, int thread) {
            if ((n + 1) * WORDS > words.length) {
                words = Arrays.copyOf(words, words.length * 2);
            }
            int at = n * WORDS;
            words[at] = key;
            words[at + 1] = exclusive ? 1 : 0;
            words[at + 2] = requested;
            words[at + 3] = granted;
            words[at + 4] = released;
            words[at + 5] = done;
            words[at + 6] = thread;
            n++;
        }

        long[] words() {
            return Arrays.copyOf(words, n * WORDS);
        }
    }

    private static void write(Path file, long[][] recorded) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(
                Files.newOutputStream(file)))) {
            long n = 0;
            for (long[] r : recorded) {
                n += r.length / WORDS;
            }
            out.writeLong(n);
            for (long[] r : recorded) {
                for (long w : r) {
                    out.writeLong(w);
                }
            }
        }
    }

    private static void parkUntil(long deadline) {
        for (long wait; (wait = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(wait);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
