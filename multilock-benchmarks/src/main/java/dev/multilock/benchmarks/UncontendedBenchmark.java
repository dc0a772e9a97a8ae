package dev.multilock.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 1: one thread acquires and releases a lock that nobody else touches, in the shared and
 * in the exclusive mode, through the non-waiting path and through the waiting path.
 *
 * <p>What is measured: the time of one acquire + release pair (ns/op) when nothing competes.
 * This is the price every user pays on every call, contended or not, and most calls in real
 * programs are uncontended. Run with {@code -prof gc} (scenario 5) it also gives the bytes
 * allocated per pair.
 *
 * <ul>
 *   <li>{@code tryAcquire*}: {@code tryAcquire(type)} then {@code release(handle)}. The JDK locks
 *       use {@code tryLock()}/{@code unlock()}; async-util {@code tryReadLock()}/{@code
 *       tryWriteLock()} and the token's {@code releaseLock()}.
 *   <li>{@code acquire*}: {@code acquire(type).join()} then release. The JDK locks use
 *       {@code lock()}/{@code unlock()}; async-util
 *       {@code acquireReadLock().toCompletableFuture().join().releaseLock()}.
 * </ul>
 *
 * <p>multilock takes part three times: {@code MULTILOCK} (its asynchronous API, as above),
 * {@code MULTILOCK_LOCK} ({@code acquire*}: {@code lock(type)} then {@code handle.release()}, the
 * blocking fast path of issue 11) and {@code MULTILOCK_RWVIEW} (its {@code ReadWriteLock} view:
 * {@code tryLock()} or {@code lock()}, then {@code unlock()}). Both blocking forms take the same
 * {@code tryAcquire} path as {@code MULTILOCK} in the {@code tryAcquire*} methods, except that the
 * view also records the hold.
 *
 * <p>Run with {@code -jvmArgsAppend -XX:StartFlightRecording} beside a run without it
 * ({@code run.sh jfr}), it shows what a JFR recording costs the uncontended paths, which take no
 * JFR event (issue 11).
 *
 * <p>The token of each acquisition is returned to JMH, so a lock that allocates a handle per
 * acquisition is charged for it even where escape analysis could have removed it in this tight
 * loop: in real code handles escape. The {@link Attempts} counters show that the
 * {@code tryAcquire} path measured is the successful one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class UncontendedBenchmark {

    /** The lock under test. */
    @Param
    public Contender contender;

    private LockAdapter lock;

    /** Successful and failed {@code tryAcquire} calls; every one should succeed here. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Attempts {
        /** Calls that acquired. */
        public long succeeded;
        /** Calls that found the lock taken. */
        public long failed;

        /** Starts each iteration's counts at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            succeeded = 0;
            failed = 0;
        }
    }

    /** Creates this thread's lock. */
    @Setup
    public void setUp() {
        lock = contender.create();
    }

    private Object tryAcquireRelease(boolean exclusive, Attempts attempts) {
        Object token = lock.tryAcquire(exclusive);
        if (token == null) {
            attempts.failed++;
            return null;
        }
        attempts.succeeded++;
        lock.release(exclusive, token);
        return token;
    }

    private Object acquireRelease(boolean exclusive) {
        Object token = lock.acquire(exclusive);
        lock.release(exclusive, token);
        return token;
    }

    /**
     * Shared {@code tryAcquire} and release.
     *
     * @param attempts counts of successes and failures
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    public Object tryAcquireShared(Attempts attempts) {
        return tryAcquireRelease(false, attempts);
    }

    /**
     * Exclusive {@code tryAcquire} and release.
     *
     * @param attempts counts of successes and failures
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    public Object tryAcquireExclusive(Attempts attempts) {
        return tryAcquireRelease(true, attempts);
    }

    /**
     * Shared {@code acquire().join()} and release.
     *
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    public Object acquireShared() {
        return acquireRelease(false);
    }

    /**
     * Exclusive {@code acquire().join()} and release.
     *
     * @return the acquisition's token, so that it is not optimized away
     */
    @Benchmark
    public Object acquireExclusive() {
        return acquireRelease(true);
    }
}
