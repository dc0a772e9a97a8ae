package dev.multilock.benchmarks;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost model behind issue 12, part 1: what one uncontended exclusive acquire + release costs
 * as a function of its atomic operations, on this machine, beside the real locks.
 *
 * <p>multilock's uncontended exclusive {@code tryAcquire} + release is three atomic operations
 * (the state word's CAS, the handle's release-once CAS, the state word's CAS) and one handle
 * allocation; {@code ReentrantReadWriteLock}'s write lock is one CAS and one volatile store (a
 * full fence on x86, as costly as an atomic operation) and allocates nothing. The issue asked for
 * a release in two atomics, with a stamp of the exclusive hold in the state word deciding which
 * release wins instead of the handle's CAS. The {@code model*} methods here are that arithmetic
 * without a lock around it, one thread, one word, so that the gain such a change could bring is
 * measured, not guessed:
 * <ul>
 *   <li>{@link #modelThreeAtomics}: CAS, allocation, CAS on the new object, CAS: today's shape.
 *   <li>{@link #modelTwoAtomics}: CAS with a stamp, allocation, CAS that checks the stamp, plain
 *       store into the object: the stamped release's shape.
 *   <li>{@link #modelCasAndStore}: CAS, allocation, volatile store: the write lock's shape, plus
 *       the allocation of a handle.
 * </ul>
 * The models are not locks and are not safe for anything: the benchmarks module's README
 * explains why the stamped release is not in the library (its stamps cannot be unique in the
 * bits a 64-bit state word has free). {@link #multilock} and {@link #rrwlWrite} are the real
 * rows of {@link UncontendedBenchmark}'s {@code tryAcquireExclusive}, repeated here so that every
 * ratio comes from one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReleaseCostBenchmark {

    /** The object each model allocates per acquisition, as a lock allocates its handle. */
    public static final class Token {
        volatile int mode;
        final long stamp;

        Token(long stamp) {
            this.stamp = stamp;
        }
    }

    private static final long HELD = 1L;
    private static final int STAMP_SHIFT = 4;

    private volatile long state;
    private long stamps;
    private final MultiLock lock = MultiLock.create();
    private final ReentrantReadWriteLock rrwl = new ReentrantReadWriteLock();

    /**
     * multilock: {@code tryAcquire(EXCLUSIVE)} and {@code release()}.
     *
     * @return the handle
     */
    @Benchmark
    public Object multilock() {
        Handle h = lock.tryAcquire(MultiLockType.EXCLUSIVE).orElseThrow();
        h.release();
        return h;
    }

    /**
     * {@code ReentrantReadWriteLock}'s write lock: {@code tryLock()} and {@code unlock()}.
     *
     * @return whether it was acquired
     */
    @Benchmark
    public boolean rrwlWrite() {
        boolean acquired = rrwl.writeLock().tryLock();
        rrwl.writeLock().unlock();
        return acquired;
    }

    /**
     * Three atomics and an allocation: today's exclusive acquire + release.
     *
     * @return the token
     */
    @Benchmark
    public Object modelThreeAtomics() {
        if (!STATE.compareAndSet(this, 0L, HELD)) {
            throw new IllegalStateException();
        }
        Token t = new Token(0L);
        if (!MODE.compareAndSet(t, 0, 1) || !STATE.compareAndSet(this, HELD, 0L)) {
            throw new IllegalStateException();
        }
        return t;
    }

    /**
     * Two atomics and an allocation: a stamped exclusive hold released by the CAS that checks
     * its stamp, the token marked by a plain store.
     *
     * @return the token
     */
    @Benchmark
    public Object modelTwoAtomics() {
        long stamp = ++stamps & 0x3fff_ffffL;
        long held = HELD | (stamp << STAMP_SHIFT);
        if (!STATE.compareAndSet(this, 0L, held)) {
            throw new IllegalStateException();
        }
        Token t = new Token(stamp);
        if (!STATE.compareAndSet(this, HELD | (t.stamp << STAMP_SHIFT), 0L)) {
            throw new IllegalStateException();
        }
        MODE.setRelease(t, 1);
        return t;
    }

    /**
     * One CAS, a volatile store and an allocation: the write lock's shape with a handle.
     *
     * @return the token
     */
    @Benchmark
    public Object modelCasAndStore() {
        if (!STATE.compareAndSet(this, 0L, HELD)) {
            throw new IllegalStateException();
        }
        Token t = new Token(0L);
        state = 0L;
        return t;
    }

    private static final VarHandle STATE;
    private static final VarHandle MODE;
    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(ReleaseCostBenchmark.class, "state", long.class);
            MODE = l.findVarHandle(Token.class, "mode", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
