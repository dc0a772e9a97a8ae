package dev.multilock.tests.pg;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresMultiLocks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A child JVM's program for {@code MultiProcessLockTest}: contends for the keys of one namespace
 * for a bounded time and records every grant it gets.
 *
 * <p>Arguments, each {@code name=value}: {@code url} (JDBC URL), {@code namespace}, {@code keys}
 * (comma-separated), {@code out} (the file to write), {@code loops} (concurrent request loops),
 * {@code seed}, {@code heartbeatMillis}, {@code handOffLimit}, {@code handOffWindowMillis}, and
 * {@code lock}: {@code postgres} ({@code PostgresMultiLocks} over the URL) or {@code local} (an
 * in-JVM keyed lock that excludes nothing across processes: the broken lock of the negative
 * control).
 *
 * <p>It takes each key EXCLUSIVE once (which opens its sessions), prints {@code ready
 * <nanoTime>}, and waits for a line {@code go <millis>} on standard input. Then each loop, until
 * {@code millis} have passed, asks for a random key in a random mode (EXCLUSIVE 50 %, SHARED
 * 35 %, NONE 15 %), plainly (70 %), with {@code orTimeout} of 1 to 30 ms (15 %), or cancelled
 * after 0 to 20 ms (15 %); holds a grant 0 to {@value #MAX_HOLD_MICROS} µs, then releases it and
 * asks again. It records a grant as {@link GrantHistoryChecker.Grant#line()}: {@code requested}
 * right before the request, {@code entered} first thing when the grant is delivered,
 * {@code exited} right before the release, and the fencing token ({@code -1} with the local
 * lock). A request that ends without a grant is a line {@code F key mode requested ended kind},
 * {@code kind} one of {@code timeout}, {@code cancelled} or {@code error} (with the failure). A
 * grant found no longer held at its release (lost, P5) is recorded as an {@code error}. Once
 * every loop is done and the lock closed, it writes the file and prints {@code done grants=...
 * errors=...}, then ends with status 0; when a request does not end within 30 s it ends with
 * status 1. Ends when its parent ends and after 90 s in any case.
 */
final class ContentionChild {

    /** The longest hold, in microseconds; the test's wait bound counts on it. */
    static final long MAX_HOLD_MICROS = 5_000;
    /** How long the loops may take to finish their last requests after the run. */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private final KeyedMultiLock<String> family;
    private final List<String> keys;
    private final ScheduledExecutorService timer;
    private final boolean fenced;
    private final ConcurrentLinkedQueue<String> records = new ConcurrentLinkedQueue<>();
    private volatile long deadline;

    private ContentionChild(KeyedMultiLock<String> family, List<String> keys,
            ScheduledExecutorService timer, boolean fenced) {
        this.family = family;
        this.keys = keys;
        this.timer = timer;
        this.fenced = fenced;
    }

    public static void main(String[] args) throws Exception {
        ChildJvm.haltWhenParentExits(Duration.ofSeconds(90));
        Map<String, String> opt = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opt.put(a.substring(0, eq), a.substring(eq + 1));
        }
        List<String> keys = List.of(opt.get("keys").split(","));
        int loops = Integer.parseInt(opt.get("loops"));
        long seed = Long.parseLong(opt.get("seed"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "contention-timer");
            t.setDaemon(true);
            return t;
        });
        PostgresMultiLocks locks = null;
        KeyedMultiLock<String> family;
        if (opt.get("lock").equals("postgres")) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(opt.get("url"));
            locks = PostgresMultiLocks.builder(ds)
                    .heartbeat(Duration.ofMillis(Long.parseLong(opt.get("heartbeatMillis"))))
                    .handOffLimit(Integer.parseInt(opt.get("handOffLimit")))
                    .handOffWindow(
                            Duration.ofMillis(Long.parseLong(opt.get("handOffWindowMillis"))))
                    .build();
            family = locks.keyed(opt.get("namespace"));
        } else {
            family = KeyedMultiLock.create();
        }
        ContentionChild child = new ContentionChild(family, keys, timer, locks != null);
        for (String key : keys) {
            family.get(key).acquire(MultiLockType.EXCLUSIVE)
                    .get(DRAIN.toSeconds(), TimeUnit.SECONDS).release();
        }
        System.out.println("ready " + System.nanoTime());
        BufferedReader in = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String go = in.readLine();
        if (go == null || !go.startsWith("go ")) {
            throw new IllegalStateException("expected a line go <millis>, got " + go);
        }
        child.deadline = System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(go.substring("go ".length())));
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            CompletableFuture<Void> loopDone = new CompletableFuture<>();
            done.add(loopDone);
            child.next(new SplittableRandom(seed * 31 + i), loopDone);
        }
        try {
            CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0]))
                    .get(DRAIN.toMillis() + Long.parseLong(go.substring(3)),
                            TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            System.out.println("stuck: a request did not end within " + DRAIN.toSeconds()
                    + " s of the run's end; lock: " + family);
            System.exit(1);
        }
        if (locks != null) {
            locks.close();
        }
        timer.shutdown();
        Files.write(Path.of(opt.get("out")), child.records, StandardCharsets.UTF_8);
        long grants = child.records.stream().filter(l -> l.startsWith("G ")).count();
        long errors = child.records.stream()
                .filter(l -> l.startsWith("F ") && l.split(" ")[5].equals("error")).count();
        System.out.println("done grants=" + grants + " errors=" + errors);
    }

    /** One request of a loop; the next follows its end, until the deadline. */
    private void next(SplittableRandom random, CompletableFuture<Void> loopDone) {
        if (System.nanoTime() - deadline >= 0) {
            loopDone.complete(null);
            return;
        }
        String key = keys.get(random.nextInt(keys.size()));
        int m = random.nextInt(100);
        MultiLockType mode = m < 50 ? MultiLockType.EXCLUSIVE
                : m < 85 ? MultiLockType.SHARED : MultiLockType.NONE;
        int variant = random.nextInt(100);
        long holdMicros = random.nextLong(MAX_HOLD_MICROS + 1);
        long requested = System.nanoTime();
        CompletableFuture<Handle> request;
        try {
            request = family.get(key).acquire(mode);
        } catch (RuntimeException e) {
            failed(key, mode, requested, e);
            timer.execute(() -> next(random, loopDone));
            return;
        }
        if (variant >= 85) {
            var unused = request.orTimeout(1 + random.nextInt(30), TimeUnit.MILLISECONDS);
        } else if (variant >= 70) {
            var unused = timer.schedule(() -> request.cancel(false), random.nextInt(21),
                    TimeUnit.MILLISECONDS);
        }
        // every outcome goes on with the loop: the stage carries nothing to check
        var unused = request.whenComplete((handle, failure) -> {
            long entered = System.nanoTime();
            if (failure != null) {
                failed(key, mode, requested, failure);
                timer.execute(() -> next(random, loopDone));
                return;
            }
            long token;
            try {
                token = fenced ? Lease.of(handle).fencingToken() : -1;
            } catch (RuntimeException e) {
                failed(key, mode, requested, e);
                handle.release();
                timer.execute(() -> next(random, loopDone));
                return;
            }
            var unusedToo = timer.schedule(() -> {
                long exited = System.nanoTime();
                boolean held = handle.isHeld();
                handle.release();
                GrantHistoryChecker.Grant g = new GrantHistoryChecker.Grant("", key, mode,
                        requested, entered, exited, token);
                records.add(g.line());
                if (!held) {
                    records.add("F " + key + " " + mode + " " + requested + " " + exited
                            + " error lost before its release: " + handle);
                }
                next(random, loopDone);
            }, holdMicros, TimeUnit.MICROSECONDS);
        });
    }

    private void failed(String key, MultiLockType mode, long requested, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String kind = cause instanceof TimeoutException ? "timeout"
                : cause instanceof CancellationException ? "cancelled"
                : "error " + cause.toString().replace('\n', ' ');
        records.add("F " + key + " " + mode + " " + requested + " " + System.nanoTime() + " "
                + kind);
    }
}
