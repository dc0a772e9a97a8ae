package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule 3 of the contract under its hardest race: the lock grants a waiting request at the very
 * moment someone else completes the request's future.
 *
 * <p>Each iteration sets up a fresh lock with a holder H and a waiter W (and, in some variants, a
 * holder K that stays and a second waiter W2 behind W), then releases H on one thread while
 * another cancels or completes W's future. A {@link Racer} starts both sides within nanoseconds
 * of each other, each after a random jitter of spins. Iterations take turns: which thread
 * releases; whether H is released directly or inside the continuation of a waiter on another
 * lock (by rule 4 the grant of W is then made at once but its future completed only after that
 * continuation returns, which widens the window); and, in a quarter of them, an "aimed" outsider
 * that completes W's future exactly inside that window (the two sides hand-shake), so that the
 * path "granted, then completed by someone else, so released again" runs every few iterations
 * whatever the scheduling. Whichever side wins, once both calls have returned:
 *
 * <ul>
 *   <li>the outsider's completion took effect exactly when W's future holds no handle;
 *   <li>if W was withdrawn, a grant that raced it was released again: {@code locked()} shows
 *       only K and W2;
 *   <li>if W was granted, its handle is held and {@code locked()} shows it;
 *   <li>W2 is let in exactly when nothing it is incompatible with is held;
 *   <li>after releasing what is held, the lock is NONE with an empty queue, every iteration.
 * </ul>
 *
 * <p>Each variant runs {@value StressConfig#DEFAULT_ITERATIONS} iterations or an eighth of the
 * stress time, whichever ends first (see {@link StressConfig}). A test of the test was run once
 * by hand: with the lock's "release a grant whose future someone else completed" removed, every
 * variant fails within ten iterations, but two where the
 * leak cannot show: a NONE grant holds nothing, and with K held W is never granted.
 */
@Tag("stress")
final class GrantCancelRaceTest {

    /**
     * Each side waits after the start a number of spins drawn log-uniformly below
     * {@code 2^JITTER_BITS}: small offsets are swept finely and large ones still occur.
     */
    static final int JITTER_BITS = 9;
    /** How long a side of an aimed iteration waits for the other, at most. */
    static final long HANDSHAKE_SECONDS = 10;
    /** Iterations run even when the time budget is spent. */
    static final int MIN_ITERATIONS = 200;

    /**
     * The exception of {@link Interference#COMPLETE_EXCEPTIONALLY}, made once: filling in a stack
     * trace would take microseconds and skew the race.
     */
    static final TimeoutException TIMEOUT = new TimeoutException("raced timeout");

    /** How an outsider completes the waiter's future. */
    enum Interference {
        CANCEL {
            @Override
            boolean apply(CompletableFuture<Handle> f) {
                return f.cancel(false);
            }
        },
        /** What {@code orTimeout} does when it fires. */
        COMPLETE_EXCEPTIONALLY {
            @Override
            boolean apply(CompletableFuture<Handle> f) {
                return f.completeExceptionally(TIMEOUT);
            }
        },
        COMPLETE_WITH_NULL {
            @Override
            boolean apply(CompletableFuture<Handle> f) {
                return f.complete(null);
            }
        };

        /** Completes {@code f}; returns whether this call completed it. */
        abstract boolean apply(CompletableFuture<Handle> f);
    }

    /**
     * One race: the type of the holder H that is released, of a holder K that stays (null: none),
     * of the waiter W, of the second waiter W2 (null: none), and how W's future is completed from
     * outside.
     */
    record Variant(MultiLockType holder, MultiLockType kept, MultiLockType waiter,
            MultiLockType second, Interference interference) {

        Variant(MultiLockType holder, MultiLockType waiter, MultiLockType second,
                Interference interference) {
            this(holder, null, waiter, second, interference);
        }

        @Override
        public String toString() {
            return "H=" + holder + (kept == null ? "" : ", K=" + kept) + ", W=" + waiter
                    + (second == null ? "" : ", W2=" + second) + ", " + interference;
        }
    }

    static Stream<Variant> variants() {
        return Stream.of(
                new Variant(EXCLUSIVE, EXCLUSIVE, null, Interference.CANCEL),
                new Variant(EXCLUSIVE, EXCLUSIVE, null, Interference.COMPLETE_EXCEPTIONALLY),
                new Variant(EXCLUSIVE, EXCLUSIVE, null, Interference.COMPLETE_WITH_NULL),
                new Variant(SHARED, EXCLUSIVE, null, Interference.CANCEL),
                // a SHARED run: W and W2 enter together, whatever becomes of W
                new Variant(EXCLUSIVE, SHARED, SHARED, Interference.CANCEL),
                // W2 held back by W: let in when W is withdrawn, or when W's grant is released
                new Variant(EXCLUSIVE, EXCLUSIVE, SHARED, Interference.CANCEL),
                // W2 held back only by W: enters beside the SHARED holder as soon as W is gone
                new Variant(SHARED, EXCLUSIVE, SHARED, Interference.COMPLETE_EXCEPTIONALLY),
                // a NONE grant keeps nothing out: W2 enters with W or without it
                new Variant(EXCLUSIVE, NONE, EXCLUSIVE, Interference.CANCEL),
                // K keeps W out for good, so only the withdrawal of W lets W2 in beside K; the
                // release of H drains the queue at the same moment
                new Variant(SHARED, SHARED, EXCLUSIVE, SHARED, Interference.CANCEL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void release_racingOutsideCompletionOfWaiter_grantsOrWithdrawsWithoutLeak(Variant v)
            throws Exception {
        long seed = StressConfig.seed() + v.toString().hashCode();
        Random random = new Random(seed);
        int iterations = StressConfig.iterations();
        long budget = TimeUnit.MILLISECONDS.toNanos(StressConfig.millis() / 8);
        long start = System.nanoTime();
        Tally tally = new Tally();
        try (Racer racer = new Racer("multilock-racer")) {
            for (int i = 0; i < iterations
                    && (i < MIN_ITERATIONS || System.nanoTime() - start < budget); i++) {
                raceOnce(racer, v, i, random, tally);
            }
        }
    }

    /**
     * The window of the race, held open on one thread: H is released inside a continuation, so
     * (rule 4) W is granted at once but its future is completed only after the continuation
     * returns; the continuation completes W's future itself in between. The outsider's completion
     * must win, and the lock must release the grant it made.
     */
    @ParameterizedTest
    @EnumSource(Interference.class)
    void release_insideContinuationThenOutsiderCompletesGrantedWaiter_releasesGrantAgain(
            Interference interference) {
        MultiLock lock = MultiLock.create();
        Handle holder = lock.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> w = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> w2 = lock.acquire(SHARED);
        MultiLock outer = MultiLock.create();
        Handle outerHolder = outer.tryAcquire(EXCLUSIVE).orElseThrow();
        boolean[] seen = new boolean[4];
        CompletableFuture<Void> continuation = outer.acquire(EXCLUSIVE).thenAccept(h -> {
            seen[0] = holder.release();
            seen[1] = lock.locked() == EXCLUSIVE && lock.queueLength() == 1; // W granted
            seen[2] = !w.isDone();
            seen[3] = interference.apply(w);
            h.release();
        });

        assertTrue(outerHolder.release(), "rule 5: the first release returned false");

        assertTrue(continuation.isDone() && !continuation.isCompletedExceptionally(),
                "the continuation did not run to its end: " + continuation);
        assertTrue(seen[0], "rule 5: the first release of H returned false");
        assertTrue(seen[1], "rule 2: the release of H inside the continuation did not grant W"
                + " at once (expected locked() EXCLUSIVE with W2 alone waiting)");
        assertTrue(seen[2], "rule 4: W's future was completed inside the continuation that"
                + " released H, before that continuation returned");
        assertTrue(seen[3], "rule 3: " + interference + " of a future the lock had not yet"
                + " completed returned false");
        assertTrue(w.isDone() && grantOf(w) == null, "W's future: " + w);
        assertTrue(w2.isDone(), "rule 3: W2 was not let in when W's raced grant was released"
                + " again; " + lock);
        assertEquals(SHARED, lock.locked(), "rule 3: a grant that raced the outsider's "
                + interference + " was not released again; " + lock);
        assertEquals(0, lock.queueLength(), "queueLength(); " + lock);
        assertTrue(w2.join().release(), "rule 5: the first release of W2 returned false");
        Quiescence.assertAtRest(lock);
        Quiescence.assertAtRest(outer);
    }

    private static void raceOnce(Racer racer, Variant v, int i, Random random, Tally tally) {
        MultiLock lock = MultiLock.create();
        Handle kept = v.kept == null ? null : lock.tryAcquire(v.kept).orElseThrow();
        Handle holder = lock.tryAcquire(v.holder).orElseThrow();
        CompletableFuture<Handle> w = lock.acquire(v.waiter);
        CompletableFuture<Handle> w2 = v.second == null ? null : lock.acquire(v.second);
        // iterations take turns: which thread releases (bit 0); H released directly or inside
        // a continuation (bit 1); the outsider started with the release or aimed (bit 2)
        boolean nested = (i & 2) != 0;
        boolean aimed = nested && (i & 4) != 0;
        String where = v + ", iteration " + i + (nested ? " (H released in a continuation"
                + (aimed ? ", outsider aimed at the grant)" : ")") : "") + " (" + tally + "), "
                + StressConfig.rerun(StressConfig.seed());
        assertFalse(w.isDone(), () -> "setup: W was granted beside H; " + where);
        assertFalse(w2 != null && w2.isDone(), () -> "setup: W2 was granted; " + where);

        Handshake handshake = new Handshake();
        boolean[] released = new boolean[1]; // written by one side; read after the race
        boolean[] interfered = new boolean[1];
        Runnable release = () -> released[0] = holder.release();
        MultiLock outer = null;
        if (nested) {
            // H is released inside the continuation of a waiter on another lock, which then spins
            // before it returns: by rule 4, W is granted at once but its future is completed only
            // after that continuation returns, so the grant/completion window stays open longer.
            // An aimed outsider waits for the release and the continuation waits for the outsider:
            // the outsider then always completes W's future between the grant and the lock's
            // completion of it.
            MultiLock o = MultiLock.create();
            Handle outerHolder = o.tryAcquire(EXCLUSIVE).orElseThrow();
            int hold = jitter(random);
            Runnable inner = release;
            o.acquire(EXCLUSIVE).thenAccept(h -> {
                inner.run();
                if (aimed) {
                    handshake.released = true;
                    handshake.await(() -> handshake.struck);
                } else {
                    Racer.spin(hold);
                }
                h.release();
            });
            release = outerHolder::release;
            outer = o;
        }
        Runnable interfere = aimed
                ? () -> {
                    // strike once H is released, before the continuation returns
                    handshake.await(() -> handshake.released);
                    try {
                        interfered[0] = v.interference.apply(w);
                    } finally {
                        handshake.struck = true;
                    }
                }
                : () -> interfered[0] = v.interference.apply(w);
        int racerSpins = jitter(random);
        int callerSpins = jitter(random);
        if ((i & 1) == 0) {
            racer.race(release, racerSpins, interfere, callerSpins);
        } else {
            racer.race(interfere, racerSpins, release, callerSpins);
        }

        assertTrue(released[0], () -> "rule 5: the first release of H returned false, or the"
                + " continuation that releases it did not run; " + where);
        if (outer != null) {
            MultiLock o = outer;
            assertTrue(o.locked() == NONE && o.queueLength() == 0, () -> "the other lock is not"
                    + " at rest: " + o + "; " + where);
        }
        assertTrue(w.isDone(), () -> "W's future is not done after " + v.interference + "; "
                + where);
        assertTrue(!aimed || interfered[0], () -> "rule 4: W's future was completed before the"
                + " continuation that released H returned, so the outsider could not complete it"
                + "; " + where);
        Handle granted = grantOf(w);
        if (granted == null) {
            tally.withdrawn++;
        } else {
            tally.granted++;
        }
        assertEquals(granted == null, interfered[0], () -> "rule 3: " + v.interference
                + " returned " + interfered[0] + " but W's future " + (granted == null
                        ? "holds no handle" : "holds the grant " + granted) + "; " + where);
        if (granted != null) {
            assertTrue(granted.isHeld(), () -> "W's grant is not held: " + granted + "; "
                    + where);
            assertEquals(v.waiter, granted.type(), () -> "W's grant type; " + where);
        }
        boolean w2Admitted = w2 != null && (granted == null || granted.type().includes(v.second))
                && (kept == null || kept.type().includes(v.second));
        assertEquals(w2Admitted, w2 != null && w2.isDone(), () -> "rule " + (granted == null
                ? "3: W2, held back only by W, was not let in when W was withdrawn"
                : "2: W2 was " + (w2Admitted ? "not let in beside" : "let in beside")
                        + " W's grant") + "; " + lock + "; " + where);
        Handle granted2 = w2Admitted ? grantOf(w2) : null;
        assertTrue(!w2Admitted || granted2 != null, () -> "W2's future holds no handle; "
                + where);
        MultiLockType expectedLocked = kept == null ? NONE : kept.type();
        if (granted != null) {
            expectedLocked = MultiLockType.max(expectedLocked, granted.type());
        }
        if (granted2 != null) {
            expectedLocked = MultiLockType.max(expectedLocked, granted2.type());
        }
        assertEquals(expectedLocked, lock.locked(), () -> "rule " + (granted == null
                ? "3: a grant that raced the withdrawal of W was not released again"
                : "1: locked() after W was granted") + "; " + lock + "; " + where);
        int expectedQueue = w2 != null && !w2Admitted ? 1 : 0;
        assertEquals(expectedQueue, lock.queueLength(), () -> "rule 3: queueLength() after the"
                + " race; " + lock + "; " + where);

        if (granted != null) {
            assertTrue(granted.release(), () -> "rule 5: the first release of W's grant returned"
                    + " false; " + where);
        }
        if (kept != null) {
            assertTrue(kept.release(), () -> "rule 5: the first release of K returned false; "
                    + where);
        }
        if (w2 != null && granted2 == null) {
            assertTrue(w2.isDone(), () -> "rule 2: W2 was not let in when the grants before it"
                    + " were released; " + lock + "; " + where);
            Handle late = grantOf(w2);
            assertNotNull(late, () -> "W2's future holds no handle; " + where);
            assertTrue(late.release(), () -> "rule 5: the first release of W2 returned false; "
                    + where);
        } else if (granted2 != null) {
            assertTrue(granted2.release(), () -> "rule 5: the first release of W2 returned false;"
                    + " " + where);
        }
        assertEquals(NONE, lock.locked(), () -> "rule 3 (nothing leaks): locked() once every"
                + " handle is released; " + lock + "; " + where);
        assertEquals(0, lock.queueLength(), () -> "rule 3 (nothing leaks): queueLength() once"
                + " every future is done; " + lock + "; " + where);
        Optional<Handle> probe = lock.tryAcquire(EXCLUSIVE);
        assertTrue(probe.isPresent(), () -> "rule 3: tryAcquire(EXCLUSIVE) failed at rest; "
                + lock + "; " + where);
        probe.get().release();
        assertFalse(holder.release(), () -> "rule 5: a second release of H returned true; "
                + where);
    }

    /** A random delay in spins, log-uniform below {@code 2^JITTER_BITS}. */
    static int jitter(Random random) {
        return random.nextInt(1 << random.nextInt(JITTER_BITS + 1));
    }

    /** The handle a done future holds, or null if it was completed otherwise. */
    private static Handle grantOf(CompletableFuture<Handle> f) {
        return f.isCompletedExceptionally() ? null : f.getNow(null);
    }

    /** The two flags of an aimed iteration: H released, then W's future completed outside. */
    private static final class Handshake {
        volatile boolean released;
        volatile boolean struck;

        /** Waits, spinning then yielding, until {@code done} holds; fails after a while. */
        void await(BooleanSupplier done) {
            long start = System.nanoTime();
            for (int n = 0; !done.getAsBoolean(); n++) {
                if (n < 1 << 10) {
                    Thread.onSpinWait();
                } else if (System.nanoTime() - start
                        > TimeUnit.SECONDS.toNanos(HANDSHAKE_SECONDS)) {
                    throw new AssertionError("an aimed iteration's other side did not act within "
                            + HANDSHAKE_SECONDS + " s");
                } else {
                    Thread.yield();
                }
            }
        }
    }

    /** How the races of one variant came out, for failure messages. */
    private static final class Tally {
        int granted;
        int withdrawn;

        @Override
        public String toString() {
            return "so far W granted " + granted + " times, withdrawn " + withdrawn + " times";
        }
    }
}
