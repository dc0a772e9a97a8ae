package dev.multilock.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Scenario 2: blocking contention. Every thread (2 by default; {@code -t} changes it) loops
 * acquire, a short critical section, release, on one shared lock, choosing the mode of each
 * acquisition by a read:write {@link #mix}, and waits for each grant: {@code lock()} for the JDK
 * locks, {@code acquire(type).join()} for the asynchronous ones.
 *
 * <p>What is measured: the average time of one acquire + critical section + release per thread
 * (ns/op). Total throughput is {@code threads / score}. This is the case where a thread-blocking
 * user adopts an asynchronous lock: how much do its futures and queue cost against the JDK's
 * parking locks when threads really collide? With {@code -prof gc} (scenario 5) it also gives
 * the bytes allocated per operation under contention.
 *
 * <p>multilock takes part three times: {@code MULTILOCK} waits with
 * {@code acquire(type).join()} (a future per wait), {@code MULTILOCK_LOCK} with {@code lock(type)}
 * (the calling thread spins briefly, then parks until the grant wakes it; {@code run.sh spins}
 * runs it at several spin counts, {@code -Dmultilock.lockfree.spins=N}) and
 * {@code MULTILOCK_RWVIEW} through the {@code ReadWriteLock} view ({@code readLock().lock()},
 * {@code writeLock().lock()}, {@code unlock()}).
 *
 * <p>The critical section is {@code Blackhole.consumeCPU(work)}, a few tens of nanoseconds at
 * the default, so the lock's own hand-off cost dominates. The mode sequence is shuffled with a
 * fixed seed per thread (see {@link Mix}), the same for every contender.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(2)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class ContentionBenchmark {

    /** The lock under test. */
    @Param
    public Contender contender;

    /** Reads and writes per pass, as {@code reads:writes}. */
    @Param({"100:0", "90:10", "50:50"})
    public String mix;

    /** The critical section, in {@link Blackhole#consumeCPU(long)} tokens. */
    @Param("10")
    public int work;

    private LockAdapter lock;

    /** Creates the shared lock. */
    @Setup
    public void setUp() {
        lock = contender.create();
        Mix.parse(mix, 0); // fail fast on a malformed mix
    }

    /** Each thread's sequence of modes. */
    @State(Scope.Thread)
    public static class Modes {
        Mix modes;

        /**
         * Shuffles this thread's sequence with a seed of its own.
         *
         * @param benchmark the benchmark, for its mix
         * @param thread this thread's index
         */
        @Setup
        public void setUp(ContentionBenchmark benchmark, ThreadParams thread) {
            modes = Mix.parse(benchmark.mix, 0x5EED + thread.getThreadIndex());
        }
    }

    /**
     * Acquires in the next mode of the mix, waiting for the grant; runs the critical section;
     * releases.
     *
     * @param modes this thread's mode sequence
     */
    @Benchmark
    public void acquireRelease(Modes modes) {
        boolean exclusive = modes.modes.nextExclusive();
        Object token = lock.acquire(exclusive);
        Blackhole.consumeCPU(work);
        lock.release(exclusive, token);
    }
}
