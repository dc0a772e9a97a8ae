package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 4: hand-off latency. Two chains, each on a thread of its own, pass an EXCLUSIVE lock
 * back and forth {@value #ACQUISITIONS} times per invocation (half each).
 *
 * <p>Each invocation starts as a race: the benchmark thread holds the lock while both chains
 * queue their first request, then lets go. An asynchronous chain is a sequence of continuations
 * on its own single-thread executor: when granted, it requests the lock again (queueing behind
 * the other chain, which already waits), then releases, and its next grant resumes it on its
 * executor ({@code whenCompleteAsync}). Each release therefore completes the other chain's
 * pending acquisition and wakes the other thread: one hand-off. The JDK locks take part as two
 * threads that loop {@code lock()}/{@code unlock()}, the way a lock is passed between two
 * threads today.
 *
 * <p>What is measured: the average time per acquisition (ns/op), which for a lock that truly
 * alternates is the latency from one chain's release to the other chain's critical section. A
 * lock that lets its releaser barge back in (the non-fair JDK locks) skips the hand-off and
 * looks faster; the {@link Passes} counters report how many acquisitions were hand-offs to the
 * other chain and how many were re-acquisitions by the same chain, so the table can say which
 * happened.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class HandoffBenchmark {

    /** Acquisitions per invocation, split evenly between the two chains. */
    static final int ACQUISITIONS = 1000;

    /**
     * The lock under test: multilock's asynchronous API beside its peers ({@code -p contender=}
     * takes any other {@link Contender}; the blocking {@code MULTILOCK_LOCK} and
     * {@code MULTILOCK_RWVIEW} belong to the contention scenarios).
     */
    @Param({"MULTILOCK", "RRWL_NONFAIR", "RRWL_FAIR", "STAMPED", "ASYNCUTIL", "BASELINE"})
    public Contender contender;

    private LockAdapter lock;
    private ExecutorService threadA;
    private ExecutorService threadB;
    /** The chain that held the lock last; guarded by the lock under test. */
    private Object owner;

    /** Acquisitions that passed the lock to the other chain, and those that did not. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Passes {
        /** Acquisitions that took the lock over from the other chain. */
        public long handoffs;
        /** Acquisitions by the chain that had released the lock last. */
        public long reacquisitions;

        /** Starts each iteration's counts at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            handoffs = 0;
            reacquisitions = 0;
        }
    }

    /** One chain of one invocation. */
    private final class Chain {
        final ExecutorService executor;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final BiConsumer<Object, Throwable> granted = this::granted;
        int remaining = ACQUISITIONS / 2;
        long handoffs;
        long reacquisitions;

        Chain(ExecutorService executor) {
            this.executor = executor;
        }

        /** The thread of a blocking chain, once it is about to call {@code lock()}. */
        volatile Thread blocking;

        /**
         * Queues this chain's first request while the benchmark thread holds the lock, so that
         * both chains wait when the race starts: an asynchronous chain's request is queued by the
         * time this returns; a blocking chain's thread is started and awaited until it parks.
         */
        void queue() {
            if (lock.isAsync()) {
                lock.acquireAsync(true).whenCompleteAsync(granted, executor);
                return;
            }
            executor.execute(this::blockingLoop);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(
                    DaemonThreads.HANG_TIMEOUT_SECONDS);
            for (Thread t; (t = blocking) == null || t.getState() != Thread.State.WAITING; ) {
                if (done.isDone() || System.nanoTime() - deadline > 0) {
                    break; // failed, or never parked: the wait for the chains reports it
                }
                Thread.yield();
            }
        }

        /** The critical section: counts whether the lock came from the other chain. */
        void enter() {
            if (owner == this) {
                reacquisitions++;
            } else {
                handoffs++;
                owner = this;
            }
        }

        void granted(Object token, Throwable failure) {
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            try {
                enter();
                if (--remaining > 0) {
                    CompletionStage<?> next = lock.acquireAsync(true); // queues behind the other
                    lock.release(true, token);
                    next.whenCompleteAsync(granted, executor);
                } else {
                    lock.release(true, token);
                    done.complete(null);
                }
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }

        void blockingLoop() {
            blocking = Thread.currentThread();
            try {
                for (; remaining > 0; remaining--) {
                    Object token = lock.acquire(true);
                    enter();
                    lock.release(true, token);
                }
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }
    }

    /** Creates the lock and the two chains' threads. */
    @Setup
    public void setUp() {
        lock = contender.create();
        threadA = DaemonThreads.fixedPool("handoff-a", 1);
        threadB = DaemonThreads.fixedPool("handoff-b", 1);
    }

    /**
     * Stops the chains' threads.
     *
     * @throws InterruptedException if interrupted while waiting for them
     */
    @TearDown
    public void tearDown() throws InterruptedException {
        DaemonThreads.shutdown(threadA);
        DaemonThreads.shutdown(threadB);
    }

    /**
     * Runs both chains to the end.
     *
     * @param passes counts of hand-offs and re-acquisitions
     * @throws InterruptedException if interrupted while waiting
     * @throws ExecutionException if a chain failed
     */
    @Benchmark
    @OperationsPerInvocation(ACQUISITIONS)
    public void handoff(Passes passes) throws InterruptedException, ExecutionException {
        Chain a = new Chain(threadA);
        Chain b = new Chain(threadB);
        Object gate = lock.acquire(true); // both chains queue up behind the benchmark thread
        a.queue();
        b.queue();
        lock.release(true, gate);
        try {
            CompletableFuture.allOf(a.done, b.done)
                    .get(DaemonThreads.HANG_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // benign race: the counts are read without synchronization, for the message only
            throw new IllegalStateException("hang: chains have " + a.remaining + " and "
                    + b.remaining + " acquisitions left after "
                    + DaemonThreads.HANG_TIMEOUT_SECONDS + " s; lock: " + lock, e);
        }
        passes.handoffs += a.handoffs + b.handoffs;
        passes.reacquisitions += a.reacquisitions + b.reacquisitions;
    }
}
