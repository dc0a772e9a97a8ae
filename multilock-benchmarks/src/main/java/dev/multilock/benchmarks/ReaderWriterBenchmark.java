package dev.multilock.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Scenario 2, asymmetric: dedicated reader threads against one dedicated writer thread on one
 * shared lock ({@code @GroupThreads}: one reader and one writer by default; {@code -tg 3,1} gives
 * three readers). Each thread loops acquire (waiting for the grant), a short critical section,
 * release.
 *
 * <p>What is measured: the average time of one operation of each side (ns/op), reported per
 * method in the group. The mixed-mode {@link ContentionBenchmark} gives one number per thread;
 * this one separates the sides, which shows what fairness costs and buys: a non-fair lock lets
 * the readers keep the lock and starve the writer (a large writer time), while a FIFO lock such
 * as multilock, async-util or the baseline alternates them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Group)
public class ReaderWriterBenchmark {

    /**
     * The lock under test: multilock's asynchronous API beside its peers ({@code -p contender=}
     * takes any other {@link Contender}; the blocking {@code MULTILOCK_LOCK} and
     * {@code MULTILOCK_RWVIEW} belong to the contention scenarios).
     */
    @Param({"MULTILOCK", "RRWL_NONFAIR", "RRWL_FAIR", "STAMPED", "ASYNCUTIL", "BASELINE"})
    public Contender contender;

    /** The critical section, in {@link Blackhole#consumeCPU(long)} tokens. */
    @Param("10")
    public int work;

    private LockAdapter lock;

    /** Creates the group's lock. */
    @Setup
    public void setUp() {
        lock = contender.create();
    }

    /** A reader: shared acquire, critical section, release. */
    @Benchmark
    @Group("readersWriter")
    @GroupThreads(1)
    public void reader() {
        Object token = lock.acquire(false);
        Blackhole.consumeCPU(work);
        lock.release(false, token);
    }

    /** The writer: exclusive acquire, critical section, release. */
    @Benchmark
    @Group("readersWriter")
    @GroupThreads(1)
    public void writer() {
        Object token = lock.acquire(true);
        Blackhole.consumeCPU(work);
        lock.release(true, token);
    }
}
