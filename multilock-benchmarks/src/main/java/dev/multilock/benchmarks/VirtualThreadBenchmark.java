package dev.multilock.benchmarks;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Virtual threads (issue 11): {@value #VIRTUAL_THREADS} virtual threads share one lock; each does
 * {@value #OPERATIONS} times acquire (waiting for the grant on its own thread), a short critical
 * section, release, in the modes of a read:write {@link #mix} (90:10), and the invocation ends
 * when every one has finished. Needs JDK 21 or newer: on an older JDK the trial fails at once
 * and says so ({@code run.sh} runs it only on such a JDK; {@code run.sh vthreads} takes
 * {@code JAVA_HOME}).
 *
 * <p>What is measured: critical sections per second over all the virtual threads (ops/s), from
 * the moment they are let go to the end of the last one. The threads are created, started and
 * parked at a gate before each invocation ({@code @Setup(Level.Invocation)}), so thread creation
 * is not in the score, and all of them contend at once on the few carrier threads of the default
 * scheduler (one per core). This is the thread-per-request server of JDK 21+: a lock whose
 * waiting parks the virtual thread lets the carrier run another one; a lock that pinned the
 * carrier (a {@code synchronized} wait) would serialize the carriers. multilock waits through
 * {@code lock(type)} (or {@code acquire(type).join()} for {@code MULTILOCK}); the JDK locks
 * through {@code lock()}.
 *
 * <p>The benchmark thread waits at most {@value DaemonThreads#HANG_TIMEOUT_SECONDS} s for an
 * invocation; after that it fails and says how many threads had not finished, with the lock's
 * state, rather than hang the run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class VirtualThreadBenchmark {

    /** Virtual threads per invocation. */
    static final int VIRTUAL_THREADS = 1000;

    /** Acquire + critical section + release cycles of each virtual thread per invocation. */
    static final int OPERATIONS = 100;

    /** The lock under test. */
    @Param({"MULTILOCK_LOCK", "MULTILOCK", "RRWL_NONFAIR", "RRWL_FAIR"})
    public Contender contender;

    /** Reads and writes per pass, as {@code reads:writes}. */
    @Param("90:10")
    public String mix;

    /** The critical section, in {@link Blackhole#consumeCPU(long)} tokens. */
    @Param("10")
    public int work;

    private LockAdapter lock;
    private ThreadFactory threads;
    /** Each virtual thread's mode sequence (thread i of every invocation uses modes[i]). */
    private Mix[] modes;
    /** Opened by the benchmark method: lets the invocation's threads go. */
    private CountDownLatch gate;
    /** Counted down by each thread of the invocation when it has finished. */
    private CountDownLatch done;
    /** The first failure of a virtual thread in the current invocation. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * Creates the lock and the mode sequences.
     *
     * @throws UnsupportedOperationException on a JDK older than 21
     */
    @Setup
    public void setUp() {
        threads = VirtualThreads.factory("vthread-benchmark-");
        lock = contender.create();
        modes = new Mix[VIRTUAL_THREADS];
        for (int i = 0; i < VIRTUAL_THREADS; i++) {
            modes[i] = Mix.parse(mix, 0x5EED + i);
        }
    }

    /** Starts the invocation's virtual threads, which park at the gate. */
    @Setup(Level.Invocation)
    public void startThreads() {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(VIRTUAL_THREADS);
        gate = go;
        done = finished;
        for (int i = 0; i < VIRTUAL_THREADS; i++) {
            Mix sequence = modes[i];
            threads.newThread(() -> cycles(sequence, go, finished)).start();
        }
    }

    private void cycles(Mix sequence, CountDownLatch go, CountDownLatch finished) {
        try {
            go.await();
            for (int k = 0; k < OPERATIONS; k++) {
                boolean exclusive = sequence.nextExclusive();
                Object token = lock.acquire(exclusive);
                Blackhole.consumeCPU(work);
                lock.release(exclusive, token);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            finished.countDown();
        }
    }

    /**
     * Lets the virtual threads go and waits until every one has finished its cycles.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    @Benchmark
    @OperationsPerInvocation(VIRTUAL_THREADS * OPERATIONS)
    public void criticalSections() throws InterruptedException {
        gate.countDown();
        if (!done.await(DaemonThreads.HANG_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("hang: " + done.getCount() + " of "
                    + VIRTUAL_THREADS + " virtual threads still running after "
                    + DaemonThreads.HANG_TIMEOUT_SECONDS + " s; lock: " + lock);
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new IllegalStateException("a virtual thread failed", t);
        }
    }
}
