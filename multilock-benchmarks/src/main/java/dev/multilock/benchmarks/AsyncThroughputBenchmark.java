package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Scenario 3: asynchronous throughput. Each invocation submits {@value #TASKS} tasks to a fixed
 * pool of {@link #pool} threads; each task requests the shared lock in the next mode of a
 * read:write {@link #mix} and, once granted, runs a short critical section and releases:
 * {@code acquire(type).whenComplete((handle, failure) -> { work; release })}. The invocation
 * ends when every critical section has completed. With {@link #batch} above 1, each pool task
 * issues that many requests in a row instead of one.
 *
 * <p>What is measured: completed critical sections per second (ops/s), the figure that matters
 * to a server whose request handlers share state behind an asynchronous lock. The asynchronous
 * locks never block a pool thread: a task that cannot enter leaves a continuation behind and its
 * thread moves on; the continuation runs where the lock is released. The JDK locks take part by
 * blocking pool threads in {@code lock()}, which is what their users do today. Every contender
 * pays the same executor hand-off per task, so the differences are the locks'; but that hand-off
 * is most of the cost of a task with a short critical section, so at {@code batch = 1} the
 * ratios between the locks are compressed towards 1 ({@code batch = 100} shows them with little
 * executor cost).
 *
 * <p>The benchmark thread only submits and then waits (up to
 * {@value DaemonThreads#HANG_TIMEOUT_SECONDS} s, after which the invocation fails and says so
 * with the lock's state, rather than hang the run).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class AsyncThroughputBenchmark {

    /** Tasks, hence critical sections, per invocation. */
    static final int TASKS = 1000;

    /**
     * The lock under test: multilock's asynchronous API beside its peers ({@code -p contender=}
     * takes any other {@link Contender}; the blocking {@code MULTILOCK_LOCK} and
     * {@code MULTILOCK_RWVIEW} belong to the contention scenarios).
     */
    @Param({"MULTILOCK", "RRWL_NONFAIR", "RRWL_FAIR", "STAMPED", "ASYNCUTIL", "BASELINE"})
    public Contender contender;

    /** Threads of the fixed pool that runs the tasks. */
    @Param("2")
    public int pool;

    /** Reads and writes per pass, as {@code reads:writes}. */
    @Param({"100:0", "90:10", "50:50"})
    public String mix;

    /** The critical section, in {@link Blackhole#consumeCPU(long)} tokens. */
    @Param("10")
    public int work;

    /**
     * Lock requests per pool task: 1 is one executor submission per request, as in a server; a
     * larger batch lets one task issue several requests in a row, which takes most of the
     * executor's cost out of the score and leaves more of the locks'. Must divide
     * {@value #TASKS}.
     */
    @Param("1")
    public int batch;

    private LockAdapter lock;
    private ExecutorService executor;
    /** The mode of each request of an invocation, drawn once from the mix. */
    private boolean[] modes;
    /** The pool tasks of an invocation, built once: task t issues requests t*batch and on. */
    private Runnable[] tasks;
    private final BiConsumer<Object, Throwable> readSection = (token, failure) ->
            section(false, token, failure);
    private final BiConsumer<Object, Throwable> writeSection = (token, failure) ->
            section(true, token, failure);
    /** Critical sections of the current invocation still to complete. */
    private final AtomicInteger remaining = new AtomicInteger();
    /**
     * Completed by the last critical section of the current invocation; written before the tasks
     * are submitted, which publishes it to them.
     */
    private volatile CompletableFuture<Void> done;

    private void request(int from, int to) {
        for (int i = from; i < to; i++) {
            boolean exclusive = modes[i];
            lock.acquireAsync(exclusive).whenComplete(exclusive ? writeSection : readSection);
        }
    }

    private void section(boolean exclusive, Object token, Throwable failure) {
        if (failure != null) {
            done.completeExceptionally(failure);
            return;
        }
        try {
            Blackhole.consumeCPU(work);
            lock.release(exclusive, token);
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
            return;
        }
        if (remaining.decrementAndGet() == 0) {
            done.complete(null);
        }
    }

    /** Creates the lock and starts the pool. */
    @Setup
    public void setUp() {
        if (batch < 1 || TASKS % batch != 0) {
            throw new IllegalArgumentException("batch must divide " + TASKS + ": " + batch);
        }
        lock = contender.create();
        Mix mixed = Mix.parse(mix, 0x5EED);
        modes = new boolean[TASKS];
        for (int i = 0; i < TASKS; i++) {
            modes[i] = mixed.nextExclusive();
        }
        tasks = new Runnable[TASKS / batch];
        for (int t = 0; t < tasks.length; t++) {
            int from = t * batch;
            tasks[t] = () -> request(from, from + batch);
        }
        executor = DaemonThreads.fixedPool("async-throughput", pool);
    }

    /**
     * Stops the pool.
     *
     * @throws InterruptedException if interrupted while waiting for the pool
     */
    @TearDown
    public void tearDown() throws InterruptedException {
        DaemonThreads.shutdown(executor);
    }

    /**
     * Submits {@value #TASKS} tasks and waits until every critical section has completed.
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws ExecutionException if a task failed
     */
    @Benchmark
    @OperationsPerInvocation(TASKS)
    public void criticalSections() throws InterruptedException, ExecutionException {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        remaining.set(TASKS);
        done = finished;
        for (Runnable task : tasks) {
            executor.execute(task);
        }
        try {
            finished.get(DaemonThreads.HANG_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("hang: " + remaining.get() + " of " + TASKS
                    + " critical sections still pending after "
                    + DaemonThreads.HANG_TIMEOUT_SECONDS + " s; lock: " + lock, e);
        }
    }
}
