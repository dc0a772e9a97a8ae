package dev.multilock.benchmarks;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Uncontended acquire and release of a multilock on one thread: the cost of the fast paths when
 * nothing competes. A placeholder until the full suite, with its peers, lands.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UncontendedBenchmark {

    private final MultiLock lock = MultiLock.create();

    /** Shared tryAcquire then release. */
    @Benchmark
    public boolean tryAcquireShared() {
        Handle h = lock.tryAcquire(MultiLockType.SHARED).orElseThrow();
        return h.release();
    }
}
