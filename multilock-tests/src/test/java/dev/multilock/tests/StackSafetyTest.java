package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule 4 of the contract: a waiter's future is completed on the thread that made it acquirable,
 * and a chain of continuations that each release at once runs in constant stack depth, the
 * waiter enabled by an inner release being completed after that release returns.
 *
 * <p>Each chain is set off on a thread with a {@value #SMALL_STACK} byte stack: a chain that
 * recursed once per waiter would need hundreds of megabytes of stack for {@value #WAITERS}
 * waiters, and fails there at once. A {@code StackOverflowError} thrown inside a continuation is
 * caught by {@link CompletableFuture} and turns the continuation's stage exceptional, so the
 * tests check every stage, not only what the thread threw.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}, with
 * {@value #POSTGRES_WAITERS} waiters a chain there: the process's hand-off of its server lock
 * runs through the key's bookkeeping and a trampoline of its own.
 */
@TestInstance(Lifecycle.PER_CLASS)
class StackSafetyTest {

    static final int WAITERS = 200_000;
    static final long SMALL_STACK = 256 * 1024;
    /** How long a chain may take; it takes well under a second. */
    static final long TIMEOUT_SECONDS = 30;
    /** Frames a continuation's stack may grow by between the first and the last of a chain. */
    static final int DEPTH_SLACK = 16;
    /**
     * Waiters of a chain on PostgreSQL: there the chain is the hand-off of one server lock inside
     * the process, through the key's bookkeeping, which costs more per waiter; recursion would
     * overflow the small stack at this count as surely.
     */
    static final int POSTGRES_WAITERS = 10_000;

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    private static int waiters(Backend backend) {
        return backend.inOneJvm() ? WAITERS : POSTGRES_WAITERS;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_chainOfExclusiveWaitersThatReleaseAtOnce_completesAllInOrderOnSmallStack(
            Backend backend) throws Exception {
        int waiters = waiters(backend);
        MultiLock lock = backend.create();
        Handle first = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        Chain chain = new Chain(waiters);
        for (int i = 0; i < waiters; i++) {
            int index = i;
            CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE);
            chain.stages.add(f.thenAccept(h -> {
                chain.record(index);
                if (!h.release()) {
                    chain.fault("rule 5: the first release of waiter " + index
                            + "'s handle returned false");
                }
                // fairness (rule 2): the next waiter is granted by now (its future completes
                // after this continuation returns), so nobody may barge in; after the last
                // waiter the lock is free.
                Optional<Handle> barger = lock.tryAcquire(EXCLUSIVE);
                if (barger.isPresent() != (index == waiters - 1)) {
                    chain.fault("rule 2: tryAcquire(EXCLUSIVE) right after waiter " + index
                            + " released " + (barger.isPresent() ? "succeeded" : "failed")
                            + "; " + lock);
                }
                barger.ifPresent(Handle::release);
            }));
        }
        assertEquals(waiters, lock.queueLength(), "queueLength() before the chain: " + lock);

        chain.runOnSmallStack(first::release);

        chain.assertCompletedInOrder(backend);
        assertFalse(first.isHeld(), "the first holder's handle is still held");
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_chainOfMixedWaitersThatReleaseAtOnce_completesAllInOrderOnSmallStack(
            Backend backend) throws Exception {
        // SHARED, SHARED, EXCLUSIVE, NONE, SHARED, SHARED, EXCLUSIVE, NONE, ...: when an
        // EXCLUSIVE waiter releases, the NONE waiter behind it and the SHARED pair behind that are
        // granted together; when the pair has released, the next EXCLUSIVE waiter.
        IntFunction<MultiLockType> typeOf = i -> {
            switch (i % 4) {
                case 0:
                case 1:
                    return SHARED;
                case 2:
                    return EXCLUSIVE;
                default:
                    return NONE;
            }
        };
        int waiters = waiters(backend);
        MultiLock lock = backend.create();
        Handle first = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        Chain chain = new Chain(waiters);
        for (int i = 0; i < waiters; i++) {
            int index = i;
            MultiLockType type = typeOf.apply(i);
            chain.stages.add(lock.acquire(type).thenAccept(h -> {
                chain.record(index);
                if (h.type() != type) {
                    chain.fault("waiter " + index + " asked for " + type + " and was granted "
                            + h.type());
                }
                if (type != NONE && lock.locked() != type) {
                    chain.fault("rule 1: locked() inside waiter " + index + "'s " + type
                            + " continuation was " + lock.locked());
                }
                if (index % 4 == 0 && index + 2 < waiters) {
                    // this SHARED pair holds the lock and EXCLUSIVE waiter index + 2 waits
                    Optional<Handle> barger = lock.tryAcquire(SHARED);
                    if (barger.isPresent()) {
                        barger.get().release();
                        chain.fault("rule 2: tryAcquire(SHARED) barged in ahead of the waiting"
                                + " EXCLUSIVE waiter " + (index + 2) + "; " + lock);
                    }
                }
                if (!h.release()) {
                    chain.fault("rule 5: the first release of waiter " + index
                            + "'s handle returned false");
                }
            }));
        }
        assertEquals(waiters, lock.queueLength(), "queueLength() before the chain: " + lock);

        chain.runOnSmallStack(first::release);

        chain.assertCompletedInOrder(backend);
        Quiescence.assertAtRest(lock);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_chainAlternatingBetweenTwoLocks_completesAllInOrderOnSmallStack(Backend backend)
            throws Exception {
        // a0, b0, a1, b1, ...: the continuation of each waiter releases the previous grant of the
        // OTHER lock, so the chain passes from lock to lock and only a trampoline shared by both
        // keeps the stack flat.
        int perLock = waiters(backend) / 2;
        MultiLock a = backend.create();
        MultiLock b = backend.create();
        Handle firstA = a.tryAcquire(EXCLUSIVE).orElseThrow();
        Handle firstB = b.tryAcquire(EXCLUSIVE).orElseThrow();
        Handle[] grantsA = new Handle[perLock];
        Handle[] grantsB = new Handle[perLock];
        Chain chain = new Chain(2 * perLock);
        for (int i = 0; i < perLock; i++) {
            int index = i;
            chain.stages.add(a.acquire(EXCLUSIVE).thenAccept(h -> {
                chain.record(2 * index);
                grantsA[index] = h;
                Handle previous = index == 0 ? firstB : grantsB[index - 1];
                if (previous == null || !previous.release()) {
                    chain.fault("waiter a" + index + " found b" + (index - 1)
                            + "'s grant missing or released: " + previous);
                }
            }));
            chain.stages.add(b.acquire(EXCLUSIVE).thenAccept(h -> {
                chain.record(2 * index + 1);
                grantsB[index] = h;
                Handle previous = grantsA[index];
                if (previous == null || !previous.release()) {
                    chain.fault("waiter b" + index + " found a" + index
                            + "'s grant missing or released: " + previous);
                }
            }));
        }

        chain.runOnSmallStack(firstA::release);

        chain.assertCompletedInOrder(backend);
        Handle last = grantsB[perLock - 1];
        assertTrue(last != null && last.isHeld(), "the last waiter's grant is not held: " + last);
        assertEquals(EXCLUSIVE, b.locked(), "the last waiter's lock: " + b);
        assertTrue(last.release(), "rule 5: releasing the last grant returned false");
        Quiescence.assertAtRest(a);
        Quiescence.assertAtRest(b);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_insideContinuation_enabledWaiterCompletesAfterInnerReleaseReturns(
            Backend backend) throws Exception {
        assumeTrue(backend.synchronousGrants(), "rule 4's exact order on the releasing thread:"
                + " PostgreSQL completes a hand-off there only when no library thread runs the"
                + " key's bookkeeping at that moment, else on its executor");
        MultiLock lock = backend.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> w1 = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> w2 = lock.acquire(EXCLUSIVE);
        List<String> events = new ArrayList<>(); // one thread appends: the releasing one
        Thread releaser = Thread.currentThread();
        CompletableFuture<Void> s1 = w1.thenAccept(h -> {
            events.add("w1 continuation on " + describe(Thread.currentThread(), releaser));
            boolean released = h.release();
            events.add("w1 inner release returned " + released + ", w2 done: " + w2.isDone());
            events.add("w1 continuation returns");
        });
        CompletableFuture<Void> s2 = w2.thenAccept(h -> {
            events.add("w2 continuation on " + describe(Thread.currentThread(), releaser));
            h.release();
        });

        assertTrue(holder.release(), "rule 5: the first release of the holder returned false");
        events.add("outer release returned");

        assertEquals(List.of(
                "w1 continuation on the releasing thread",
                "w1 inner release returned true, w2 done: false",
                "w1 continuation returns",
                "w2 continuation on the releasing thread",
                "outer release returned"), events,
                "rule 4: the waiter enabled by a release inside a continuation must be completed"
                        + " by the same thread after that inner release returns and before the"
                        + " outer release returns");
        s1.get(0, TimeUnit.SECONDS); // done, and rethrows anything the continuation threw
        s2.get(0, TimeUnit.SECONDS);
        Quiescence.assertAtRest(lock);
    }

    private static String describe(Thread t, Thread releaser) {
        return t == releaser ? "the releasing thread" : "another thread, " + t.getName();
    }

    /**
     * A chain of continuations: the stages to check, the order they ran in, the depth of the stack
     * they ran at, and the faults they recorded (a continuation must not throw: its exception
     * would only turn its stage exceptional).
     */
    private static final class Chain {
        /** The stages of the continuations, in arrival order. */
        final List<CompletableFuture<Void>> stages;
        /** The index of the k-th continuation to run; written by the chain's thread only. */
        private final int[] order;
        private int ran;
        private int firstDepth = -1;
        private int maxDepth;
        private final AtomicReference<String> firstFault = new AtomicReference<>();

        Chain(int size) {
            stages = new ArrayList<>(size);
            order = new int[size];
        }

        void record(int index) {
            if (ran < order.length) {
                order[ran] = index;
            }
            ran++;
            // sampled: walking the stack costs microseconds
            if (ran == 2 || ran == order.length || (ran & 0x3FFF) == 0) {
                int depth = StackWalker.getInstance().walk(s -> (int) s.count());
                if (firstDepth < 0) {
                    firstDepth = depth;
                }
                maxDepth = Math.max(maxDepth, depth);
            }
        }

        void fault(String message) {
            firstFault.compareAndSet(null, message);
        }

        /** Runs {@code start} on a new thread with a small stack, and waits for it (bounded). */
        void runOnSmallStack(Runnable start) throws InterruptedException {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(null, () -> {
                try {
                    start.run();
                } catch (Throwable x) {
                    thrown.set(x);
                }
            }, "multilock-small-stack", SMALL_STACK);
            t.start();
            t.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            if (t.isAlive()) {
                fail("rule 4: the chain of " + stages.size() + " continuations did not finish in "
                        + TIMEOUT_SECONDS + " s (" + ran + " ran)");
            }
            Throwable x = thrown.get();
            if (x != null) {
                throw new AssertionError("rule 4: the release that set off the chain threw "
                        + (x instanceof StackOverflowError ? "StackOverflowError (not stack-safe)"
                                : x.toString()) + " after " + ran + " continuations", x);
            }
        }

        /**
         * Asserts that every stage completed normally and that they ran in arrival order; on
         * PostgreSQL, once every stage is done (some may run on the library's executor).
         */
        void assertCompletedInOrder(Backend backend) {
            if (!backend.synchronousGrants()) {
                stages.forEach(s -> backend.await(s, "rule 4: a continuation never ran (the chain"
                        + " stopped after " + ran + ")"));
            }
            for (int i = 0; i < stages.size(); i++) {
                CompletableFuture<Void> s = stages.get(i);
                if (!s.isDone()) {
                    fail("rule 4: continuation " + i + " of " + stages.size()
                            + " never ran (the chain stopped after " + ran + ")");
                }
                if (s.isCompletedExceptionally()) {
                    Throwable cause = s.handle((v, ex) -> ex).join();
                    if (cause instanceof CompletionException && cause.getCause() != null) {
                        cause = cause.getCause();
                    }
                    throw new AssertionError("rule 4: continuation " + i + " threw "
                            + (cause instanceof StackOverflowError
                                    ? "StackOverflowError (not stack-safe)" : cause.toString()),
                            cause);
                }
            }
            assertNull(firstFault.get(), "a continuation recorded a fault");
            assertEquals(order.length, ran, "continuations run");
            for (int k = 0; k < order.length; k++) {
                if (order[k] != k) {
                    fail("rule 2 (FIFO): the " + k + "-th continuation to run was waiter "
                            + order[k] + ", expected waiter " + k);
                }
            }
            assertTrue(maxDepth <= firstDepth + DEPTH_SLACK, "rule 4: the stack grew along the"
                    + " chain, from " + firstDepth + " frames at the 2nd continuation to "
                    + maxDepth + " frames");
        }
    }
}
