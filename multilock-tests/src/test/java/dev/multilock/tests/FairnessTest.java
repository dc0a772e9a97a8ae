package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.granted;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * API.md rule 2, fairness: strict first in, first out; a new request is granted at once only if
 * nobody waits; a run of compatible waiters behind the head is granted together; NONE waits only
 * for an EXCLUSIVE holder but still queues behind waiters.
 *
 * <p>All grants here are made by releases on the test thread, which complete the waiters'
 * futures before they return (rule 4), so every check is a plain {@code isDone()} right after the
 * release; grant order is recorded by continuations attached before the grant.
 */
final class FairnessTest {

    /** Requests {@code type} and records {@code label} in {@code log} when it is granted. */
    private static CompletableFuture<Handle> acquireLogged(
            MultiLock lock, MultiLockType type, String label, List<String> log) {
        CompletableFuture<Handle> f = lock.acquire(type);
        f.thenAccept(h -> log.add(label));
        return f;
    }

    // ---- no barging ----

    @Test
    void tryAcquire_sharedHeldExclusiveQueued_returnsEmpty() {
        MultiLock lock = MultiLock.create();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        assertFalse(writer.isDone());

        assertTrue(lock.tryAcquire(SHARED).isEmpty(),
                "a SHARED request must not overtake a waiting EXCLUSIVE one");
        assertTrue(lock.tryAcquire(NONE).isEmpty(),
                "a NONE request must not overtake a waiting EXCLUSIVE one");
        assertEquals(1, lock.queueLength(), "failed tryAcquire calls queue nothing");
        assertSame(SHARED, lock.locked());

        reader.release();
        assertSame(EXCLUSIVE, granted(writer).type());
    }

    @Test
    void acquireShared_sharedHeldExclusiveQueued_waitsUntilExclusiveReleased() {
        MultiLock lock = MultiLock.create();
        List<String> log = new ArrayList<>();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = acquireLogged(lock, EXCLUSIVE, "E", log);
        CompletableFuture<Handle> lateReader = acquireLogged(lock, SHARED, "S", log);
        assertFalse(lateReader.isDone(), "the late SHARED waits behind the EXCLUSIVE");
        assertEquals(2, lock.queueLength());

        reader.release();
        assertEquals(List.of("E"), log, "the EXCLUSIVE has its turn first");
        assertFalse(lateReader.isDone(), "the late SHARED waits while the EXCLUSIVE holds");
        assertSame(EXCLUSIVE, lock.locked());
        assertEquals(1, lock.queueLength());

        granted(writer).release();
        assertEquals(List.of("E", "S"), log);
        assertSame(SHARED, granted(lateReader).type());
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @Test
    void acquireShared_streamOfReadersBehindWaitingWriter_writerNotStarved() {
        MultiLock lock = MultiLock.create();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        List<CompletableFuture<Handle>> readers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            assertTrue(lock.tryAcquire(SHARED).isEmpty(), "reader " + i + " barged");
            CompletableFuture<Handle> r = lock.acquire(SHARED);
            assertFalse(r.isDone(), "reader " + i + " overtook the waiting writer");
            readers.add(r);
        }
        assertEquals(101, lock.queueLength());

        reader.release();
        Handle w = granted(writer);
        assertTrue(readers.stream().noneMatch(CompletableFuture::isDone),
                "no reader beside the writer");
        assertEquals(100, lock.queueLength());

        w.release();
        assertTrue(readers.stream().allMatch(CompletableFuture::isDone),
                "the whole run of readers enters on the writer's release");
        assertEquals(0, lock.queueLength());
        assertSame(SHARED, lock.locked());
    }

    // ---- runs ----

    @Test
    void release_exclusiveWithRunOfSharedAndNoneQueued_grantsRunTogether() {
        MultiLock lock = MultiLock.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> s1 = lock.acquire(SHARED);
        CompletableFuture<Handle> s2 = lock.acquire(SHARED);
        CompletableFuture<Handle> n3 = lock.acquire(NONE);
        CompletableFuture<Handle> s4 = lock.acquire(SHARED);
        CompletableFuture<Handle> e5 = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> s6 = lock.acquire(SHARED);
        assertEquals(6, lock.queueLength());

        holder.release();
        Handle h1 = granted(s1);
        Handle h2 = granted(s2);
        Handle h3 = granted(n3);
        Handle h4 = granted(s4);
        assertFalse(e5.isDone(), "the EXCLUSIVE after the run waits");
        assertFalse(s6.isDone(), "the SHARED behind the EXCLUSIVE waits (FIFO)");
        assertSame(SHARED, lock.locked());
        assertEquals(2, lock.queueLength(), "the run left the queue, the rest stays");

        // three SHARED holders: the EXCLUSIVE enters only when the third goes
        h1.release();
        assertFalse(e5.isDone(), "two SHARED holders left");
        assertSame(SHARED, lock.locked());
        h4.release();
        assertFalse(e5.isDone(), "one SHARED holder left");
        assertSame(SHARED, lock.locked());
        h2.release();
        Handle h5 = granted(e5);
        assertTrue(h3.isHeld(), "the NONE holder is still there: it blocks no EXCLUSIVE");
        assertSame(EXCLUSIVE, lock.locked());
        assertFalse(s6.isDone());
        assertEquals(1, lock.queueLength());

        h5.release();
        granted(s6);
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    // ---- order ----

    @Test
    void release_mixedQueueESSES_grantsInStrictFifoOrder() {
        MultiLock lock = MultiLock.create();
        List<String> log = new ArrayList<>();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> e1 = acquireLogged(lock, EXCLUSIVE, "E1", log);
        CompletableFuture<Handle> s2 = acquireLogged(lock, SHARED, "S2", log);
        CompletableFuture<Handle> s3 = acquireLogged(lock, SHARED, "S3", log);
        CompletableFuture<Handle> e4 = acquireLogged(lock, EXCLUSIVE, "E4", log);
        CompletableFuture<Handle> s5 = acquireLogged(lock, SHARED, "S5", log);
        assertEquals(5, lock.queueLength());
        assertEquals(List.of(), log);

        holder.release();
        assertEquals(List.of("E1"), log);
        assertEquals(4, lock.queueLength());
        granted(e1).release();
        assertEquals(List.of("E1", "S2", "S3"), log, "S2 and S3 enter together");
        assertEquals(2, lock.queueLength());
        granted(s2).release();
        assertEquals(List.of("E1", "S2", "S3"), log, "S3 still holds");
        granted(s3).release();
        assertEquals(List.of("E1", "S2", "S3", "E4"), log);
        assertEquals(1, lock.queueLength());
        granted(e4).release();
        assertEquals(List.of("E1", "S2", "S3", "E4", "S5"), log);
        granted(s5).release();
        assertSame(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @Test
    void release_continuationsReleaseAtOnce_grantsInArrivalOrder() {
        long seed = 20240601L;
        Random random = new Random(seed);
        MultiLock lock = MultiLock.create();
        MultiLockType[] types = MultiLockType.values();
        List<Integer> grants = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        int n = 300;
        List<MultiLockType> requested = new ArrayList<>();

        Handle holder = take(lock, EXCLUSIVE);
        for (int i = 0; i < n; i++) {
            int id = i;
            MultiLockType type = types[random.nextInt(types.length)];
            requested.add(type);
            lock.acquire(type).thenAccept(h -> {
                grants.add(id);
                if (h.type() != type) {
                    violations.add(id + ": granted " + h.type() + " for " + type);
                }
                if (type == EXCLUSIVE && lock.locked() != EXCLUSIVE) {
                    violations.add(id + ": EXCLUSIVE granted but locked() is " + lock.locked());
                }
                if (type == SHARED && lock.locked() != SHARED) {
                    violations.add(id + ": SHARED granted but locked() is " + lock.locked());
                }
                h.release();
            });
        }
        assertEquals(n, lock.queueLength());

        holder.release();
        List<Integer> arrival = IntStream.range(0, n).boxed().collect(Collectors.toList());
        assertEquals(arrival, grants, "grant order is arrival order (seed " + seed
                + ", requests " + requested + ")");
        assertEquals(List.of(), violations, "seed " + seed);
        assertSame(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    // ---- NONE ----

    @Test
    void acquireNone_sharedHeld_grantedAtOnce() {
        MultiLock lock = MultiLock.create();
        take(lock, SHARED);
        assertTrue(lock.tryAcquire(NONE).isPresent(), "tryAcquire(NONE) beside SHARED");
        assertSame(NONE, granted(lock.acquire(NONE)).type(), "acquire(NONE) beside SHARED");
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @Test
    void acquireNone_exclusiveHeld_waitsUntilRelease() {
        MultiLock lock = MultiLock.create();
        Handle holder = take(lock, EXCLUSIVE);
        assertTrue(lock.tryAcquire(NONE).isEmpty(), "tryAcquire(NONE) beside EXCLUSIVE");
        CompletableFuture<Handle> none = lock.acquire(NONE);
        assertFalse(none.isDone(), "NONE waits while EXCLUSIVE is held");
        assertEquals(1, lock.queueLength());

        holder.release();
        Handle h = granted(none);
        assertSame(NONE, h.type());
        assertTrue(h.isHeld());
        assertSame(NONE, lock.locked(), "a granted NONE does not show in locked()");
        assertEquals(0, lock.queueLength());
    }

    @Test
    void tryAcquireExclusive_noneHeld_succeeds() {
        MultiLock lock = MultiLock.create();
        Handle none = take(lock, NONE);
        assertSame(NONE, lock.locked(), "NONE does not show in locked()");
        Handle exclusive = take(lock, EXCLUSIVE);
        assertTrue(none.isHeld());
        assertTrue(exclusive.isHeld());
        assertSame(EXCLUSIVE, lock.locked());
        exclusive.release();
        assertSame(NONE, lock.locked());
        assertTrue(none.release(), "the NONE handle was still held");
    }

    @Test
    void acquireExclusive_noneAndSharedHeld_grantedWhenSharedReleased() {
        MultiLock lock = MultiLock.create();
        Handle none = take(lock, NONE);
        Handle shared = take(lock, SHARED);
        CompletableFuture<Handle> exclusive = lock.acquire(EXCLUSIVE);
        assertFalse(exclusive.isDone());
        shared.release();
        granted(exclusive);
        assertTrue(none.isHeld(), "the NONE holder did not hold the EXCLUSIVE back");
        assertSame(EXCLUSIVE, lock.locked());
    }

    @Test
    void acquireNone_sharedHeldExclusiveQueued_queuesBehindInFifoOrder() {
        MultiLock lock = MultiLock.create();
        List<String> log = new ArrayList<>();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = acquireLogged(lock, EXCLUSIVE, "E", log);
        assertTrue(lock.tryAcquire(NONE).isEmpty(), "NONE must not overtake a waiter");
        CompletableFuture<Handle> none = acquireLogged(lock, NONE, "N", log);
        assertFalse(none.isDone(), "NONE queues behind the waiting EXCLUSIVE");
        assertEquals(2, lock.queueLength());

        reader.release();
        assertEquals(List.of("E"), log);
        assertFalse(none.isDone(), "NONE waits while the EXCLUSIVE holds");

        granted(writer).release();
        assertEquals(List.of("E", "N"), log);
        assertSame(NONE, granted(none).type());
        assertSame(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @Test
    void acquireNone_exclusiveHeldExclusiveQueued_grantedAfterBothInOrder() {
        MultiLock lock = MultiLock.create();
        List<String> log = new ArrayList<>();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> writer = acquireLogged(lock, EXCLUSIVE, "E", log);
        CompletableFuture<Handle> none = acquireLogged(lock, NONE, "N", log);
        holder.release();
        assertEquals(List.of("E"), log, "the NONE waits for the EXCLUSIVE ahead of it");
        assertFalse(none.isDone());
        granted(writer).release();
        assertEquals(List.of("E", "N"), log);
    }
}
