package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * API.md rule 2, fairness: strict first in, first out; a new request is granted at once only if
 * nobody waits; a run of compatible waiters behind the head is granted together; NONE waits only
 * for an EXCLUSIVE holder but still queues behind waiters.
 *
 * <p>All grants here are made by releases on the test thread. In one JVM they complete the
 * waiters' futures before they return (rule 4), so every check is a plain {@code isDone()} right
 * after the release; on PostgreSQL a grant that needs the server comes a round trip later, and
 * {@link Backend#granted} waits for it. Grant order is recorded by continuations attached before
 * the grant. FIFO is a rule inside a process: every backend keeps it, PostgreSQL through the
 * local queue of its key.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}.
 */
@TestInstance(Lifecycle.PER_CLASS)
class FairnessTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    /**
     * Requests {@code type}; the returned stage completes as the request does, once
     * {@code label} is in {@code log} (a synchronized list: continuations of server grants run
     * on the library's threads).
     */
    private static CompletableFuture<Handle> acquireLogged(
            MultiLock lock, MultiLockType type, String label, List<String> log) {
        return lock.acquire(type).thenApply(h -> {
            log.add(label);
            return h;
        });
    }

    private static List<String> newLog() {
        return Collections.synchronizedList(new ArrayList<>());
    }

    // ---- no barging ----

    @ParameterizedTest
    @MethodSource("backends")
    void tryAcquire_sharedHeldExclusiveQueued_returnsEmpty(Backend backend) {
        MultiLock lock = backend.create();
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
        assertSame(EXCLUSIVE, backend.granted(writer).type());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireShared_sharedHeldExclusiveQueued_waitsUntilExclusiveReleased(Backend backend) {
        MultiLock lock = backend.create();
        List<String> log = newLog();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = acquireLogged(lock, EXCLUSIVE, "E", log);
        CompletableFuture<Handle> lateReader = acquireLogged(lock, SHARED, "S", log);
        assertFalse(lateReader.isDone(), "the late SHARED waits behind the EXCLUSIVE");
        assertEquals(2, lock.queueLength());

        reader.release();
        backend.await(writer);
        assertEquals(List.of("E"), log, "the EXCLUSIVE has its turn first");
        assertFalse(lateReader.isDone(), "the late SHARED waits while the EXCLUSIVE holds");
        assertSame(EXCLUSIVE, lock.locked());
        assertEquals(1, lock.queueLength());

        backend.granted(writer).release();
        backend.await(lateReader);
        assertEquals(List.of("E", "S"), log);
        assertSame(SHARED, backend.granted(lateReader).type());
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireShared_streamOfReadersBehindWaitingWriter_writerNotStarved(Backend backend) {
        MultiLock lock = backend.create();
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
        Handle w = backend.granted(writer);
        assertTrue(readers.stream().noneMatch(CompletableFuture::isDone),
                "no reader beside the writer");
        assertEquals(100, lock.queueLength());

        w.release();
        readers.forEach(r -> backend.await(r,
                "the whole run of readers enters on the writer's release"));
        assertEquals(0, lock.queueLength());
        assertSame(SHARED, lock.locked());
    }

    // ---- runs ----

    @ParameterizedTest
    @MethodSource("backends")
    void release_exclusiveWithRunOfSharedAndNoneQueued_grantsRunTogether(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> s1 = lock.acquire(SHARED);
        CompletableFuture<Handle> s2 = lock.acquire(SHARED);
        CompletableFuture<Handle> n3 = lock.acquire(NONE);
        CompletableFuture<Handle> s4 = lock.acquire(SHARED);
        CompletableFuture<Handle> e5 = lock.acquire(EXCLUSIVE);
        CompletableFuture<Handle> s6 = lock.acquire(SHARED);
        assertEquals(6, lock.queueLength());

        holder.release();
        Handle h1 = backend.granted(s1);
        Handle h2 = backend.granted(s2);
        Handle h3 = backend.granted(n3);
        Handle h4 = backend.granted(s4);
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
        Handle h5 = backend.granted(e5);
        assertTrue(h3.isHeld(), "the NONE holder is still there: it blocks no EXCLUSIVE");
        assertSame(EXCLUSIVE, lock.locked());
        assertFalse(s6.isDone());
        assertEquals(1, lock.queueLength());

        h5.release();
        backend.granted(s6);
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    // ---- order ----

    @ParameterizedTest
    @MethodSource("backends")
    void release_mixedQueueESSES_grantsInStrictFifoOrder(Backend backend) {
        MultiLock lock = backend.create();
        List<String> log = newLog();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> e1 = acquireLogged(lock, EXCLUSIVE, "E1", log);
        CompletableFuture<Handle> s2 = acquireLogged(lock, SHARED, "S2", log);
        CompletableFuture<Handle> s3 = acquireLogged(lock, SHARED, "S3", log);
        CompletableFuture<Handle> e4 = acquireLogged(lock, EXCLUSIVE, "E4", log);
        CompletableFuture<Handle> s5 = acquireLogged(lock, SHARED, "S5", log);
        assertEquals(5, lock.queueLength());
        assertEquals(List.of(), log);

        holder.release();
        backend.await(e1);
        assertEquals(List.of("E1"), log);
        assertEquals(4, lock.queueLength());
        backend.granted(e1).release();
        backend.await(s2);
        backend.await(s3);
        assertEquals(List.of("E1", "S2", "S3"), log, "S2 and S3 enter together");
        assertEquals(2, lock.queueLength());
        backend.granted(s2).release();
        assertEquals(List.of("E1", "S2", "S3"), log, "S3 still holds");
        backend.granted(s3).release();
        backend.await(e4);
        assertEquals(List.of("E1", "S2", "S3", "E4"), log);
        assertEquals(1, lock.queueLength());
        backend.granted(e4).release();
        backend.await(s5);
        assertEquals(List.of("E1", "S2", "S3", "E4", "S5"), log);
        backend.granted(s5).release();
        assertSame(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_continuationsReleaseAtOnce_grantsInArrivalOrder(Backend backend) {
        assumeTrue(backend.synchronousGrants(), "the order of continuations is the order of"
                + " grants only where every grant completes its future on the releasing thread;"
                + " PostgreSQL completes some on its executor (a server grant, or a hand-off"
                + " while a library thread runs the key's bookkeeping), so a NONE or SHARED"
                + " grant's continuation may run after later ones: FIFO is checked above");
        long seed = 20240601L;
        Random random = new Random(seed);
        MultiLock lock = backend.create();
        MultiLockType[] types = MultiLockType.values();
        List<Integer> grants = Collections.synchronizedList(new ArrayList<>());
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> stages = new ArrayList<>();
        int n = 300;
        List<MultiLockType> requested = new ArrayList<>();

        Handle holder = take(lock, EXCLUSIVE);
        for (int i = 0; i < n; i++) {
            int id = i;
            MultiLockType type = types[random.nextInt(types.length)];
            requested.add(type);
            stages.add(lock.acquire(type).thenAccept(h -> {
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
            }));
        }
        assertEquals(n, lock.queueLength());

        holder.release();
        stages.forEach(backend::await);
        List<Integer> arrival = IntStream.range(0, n).boxed().collect(Collectors.toList());
        assertEquals(arrival, grants, "grant order is arrival order (seed " + seed
                + ", requests " + requested + ")");
        assertEquals(List.of(), violations, "seed " + seed);
        assertSame(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    // ---- NONE ----

    @ParameterizedTest
    @MethodSource("backends")
    void acquireNone_sharedHeld_grantedAtOnce(Backend backend) {
        MultiLock lock = backend.create();
        take(lock, SHARED);
        assertTrue(lock.tryAcquire(NONE).isPresent(), "tryAcquire(NONE) beside SHARED");
        assertSame(NONE, backend.granted(lock.acquire(NONE)).type(), "acquire(NONE) beside SHARED");
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireNone_exclusiveHeld_waitsUntilRelease(Backend backend) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        assertTrue(lock.tryAcquire(NONE).isEmpty(), "tryAcquire(NONE) beside EXCLUSIVE");
        CompletableFuture<Handle> none = lock.acquire(NONE);
        assertFalse(none.isDone(), "NONE waits while EXCLUSIVE is held");
        assertEquals(1, lock.queueLength());

        holder.release();
        Handle h = backend.granted(none);
        assertSame(NONE, h.type());
        assertTrue(h.isHeld());
        assertSame(NONE, lock.locked(), "a granted NONE does not show in locked()");
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void tryAcquireExclusive_noneHeld_succeeds(Backend backend) {
        MultiLock lock = backend.create();
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

    @ParameterizedTest
    @MethodSource("backends")
    void acquireExclusive_noneAndSharedHeld_grantedWhenSharedReleased(Backend backend) {
        MultiLock lock = backend.create();
        Handle none = take(lock, NONE);
        Handle shared = take(lock, SHARED);
        CompletableFuture<Handle> exclusive = lock.acquire(EXCLUSIVE);
        assertFalse(exclusive.isDone());
        shared.release();
        backend.granted(exclusive);
        assertTrue(none.isHeld(), "the NONE holder did not hold the EXCLUSIVE back");
        assertSame(EXCLUSIVE, lock.locked());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireNone_sharedHeldExclusiveQueued_queuesBehindInFifoOrder(Backend backend) {
        MultiLock lock = backend.create();
        List<String> log = newLog();
        Handle reader = take(lock, SHARED);
        CompletableFuture<Handle> writer = acquireLogged(lock, EXCLUSIVE, "E", log);
        assertTrue(lock.tryAcquire(NONE).isEmpty(), "NONE must not overtake a waiter");
        CompletableFuture<Handle> none = acquireLogged(lock, NONE, "N", log);
        assertFalse(none.isDone(), "NONE queues behind the waiting EXCLUSIVE");
        assertEquals(2, lock.queueLength());

        reader.release();
        backend.await(writer);
        assertEquals(List.of("E"), log);
        assertFalse(none.isDone(), "NONE waits while the EXCLUSIVE holds");

        backend.granted(writer).release();
        backend.await(none);
        assertEquals(List.of("E", "N"), log);
        assertSame(NONE, backend.granted(none).type());
        assertSame(NONE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireNone_exclusiveHeldExclusiveQueued_grantedAfterBothInOrder(Backend backend) {
        MultiLock lock = backend.create();
        List<String> log = newLog();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> writer = acquireLogged(lock, EXCLUSIVE, "E", log);
        CompletableFuture<Handle> none = acquireLogged(lock, NONE, "N", log);
        holder.release();
        backend.await(writer);
        assertEquals(List.of("E"), log, "the NONE waits for the EXCLUSIVE ahead of it");
        assertFalse(none.isDone());
        backend.granted(writer).release();
        backend.await(none);
        assertEquals(List.of("E", "N"), log);
    }
}
