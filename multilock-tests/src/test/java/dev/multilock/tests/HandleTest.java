package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * API.md rule 5, handles: one per acquisition, compared by identity, released from any thread,
 * released twice harmlessly; wrong arguments (null, a handle of another lock) fail and change
 * nothing.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}.
 */
@Timeout(value = 5, unit = SECONDS)
@TestInstance(Lifecycle.PER_CLASS)
class HandleTest {

    private static final long WAIT_S = 5;
    private static final String RELEASER_THREAD = "multilock-test-releaser";

    private final List<ExecutorService> executors = new ArrayList<>();

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    Stream<Arguments> backendsAndTypes() {
        return Backend.withTypes(backends(), MultiLockType.values());
    }

    @AfterEach
    void shutDownExecutors() {
        executors.forEach(ExecutorService::shutdownNow);
        executors.clear(); // one instance for every test (PER_CLASS)
    }

    private ExecutorService releaserThread() {
        ExecutorService e = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, RELEASER_THREAD);
            t.setDaemon(true);
            return t;
        });
        executors.add(e);
        return e;
    }

    // ---- double release ----

    @ParameterizedTest
    @MethodSource("backends")
    void release_twice_secondReturnsFalse(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = take(lock, EXCLUSIVE);
        assertTrue(lock.release(h), "first release");
        assertFalse(lock.release(h), "second release");
        assertFalse(h.release(), "third release, through the handle");
        assertFalse(h.isHeld());
        assertSame(NONE, lock.locked());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_oneReaderTwiceWhileAnotherHolds_writerStaysOut(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        assertTrue(first.release());
        assertFalse(first.release(), "double release");
        assertFalse(lock.release(first), "triple release");
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty(),
                "a double release must not count as the other reader's release");
        assertSame(SHARED, lock.locked());
        assertTrue(second.isHeld());

        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        first.release();
        assertFalse(writer.isDone(), "the other reader still holds");
        second.release();
        assertSame(EXCLUSIVE, backend.granted(writer).type());
    }

    // ---- release from any thread ----

    @ParameterizedTest
    @MethodSource("backends")
    void release_fromAnotherThread_releasesAndGrantsWaiterOnThatThread(Backend backend)
            throws Exception {
        assumeTrue(backend.synchronousGrants(), "rule 4's thread: PostgreSQL completes a grant"
                + " on the releasing thread only when no library thread runs the key's"
                + " bookkeeping at that moment, else on its executor");
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> waiter = lock.acquire(SHARED);
        CompletableFuture<String> grantedOn =
                waiter.thenApply(h -> Thread.currentThread().getName());

        boolean released = releaserThread().submit(() -> holder.release()).get(WAIT_S, SECONDS);
        assertTrue(released, "released by a thread that did not acquire it");
        assertFalse(holder.isHeld());
        assertEquals(RELEASER_THREAD, grantedOn.get(WAIT_S, SECONDS),
                "rule 4: the waiter is completed by the releasing thread");
        assertSame(SHARED, lock.locked());
        assertFalse(holder.release(), "already released by the other thread");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_acquiredOnAnotherThread_releasedHere(Backend backend) throws Exception {
        MultiLock lock = backend.create();
        Handle h = releaserThread().submit(() -> take(lock, EXCLUSIVE)).get(WAIT_S, SECONDS);
        assertSame(EXCLUSIVE, lock.locked());
        assertTrue(lock.release(h));
        assertSame(NONE, lock.locked());
    }

    // ---- accessors ----

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void accessors_heldThenReleased_reportLockTypeAndHeld(Backend backend, MultiLockType type) {
        MultiLock lock = backend.create();
        Handle h = take(lock, type);
        assertEquals(lock, h.lock()); // the same lock (K4: a keyed handle's is an equal view)
        assertSame(type, h.type());
        assertTrue(h.isHeld());
        h.release();
        assertEquals(lock, h.lock(), "lock() stays readable after release");
        assertSame(type, h.type(), "type() stays readable after release");
        assertFalse(h.isHeld());
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void accessors_grantedAfterWaiting_reportLockTypeAndHeld(Backend backend, MultiLockType type) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(type);
        holder.release();
        Handle h = backend.granted(f);
        assertEquals(lock, h.lock());
        assertSame(type, h.type());
        assertTrue(h.isHeld());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void handleRelease_held_sameAsLockRelease(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = take(lock, EXCLUSIVE);
        assertTrue(h.release());
        assertSame(NONE, lock.locked());
        assertFalse(lock.release(h), "lock.release sees the handle's release");
    }

    // ---- close ----

    @ParameterizedTest
    @MethodSource("backends")
    void close_held_releases(Backend backend) {
        MultiLock lock = backend.create();
        Handle h = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> waiter = lock.acquire(EXCLUSIVE);
        h.close();
        assertFalse(h.isHeld());
        assertTrue(backend.granted(waiter).isHeld(), "close lets the waiter in");
        assertFalse(h.release(), "closed means released");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void close_twiceOrAfterRelease_isHarmless(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        first.close();
        first.close();
        first.release();
        first.close();
        assertTrue(second.isHeld());
        assertSame(SHARED, lock.locked(), "closing twice did not release the other reader");
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty());
        second.close();
        assertSame(NONE, lock.locked());
    }

    // ---- identity ----

    @ParameterizedTest
    @MethodSource("backends")
    void equals_twoSharedHandles_notEqual(Backend backend) {
        MultiLock lock = backend.create();
        Handle a = take(lock, SHARED);
        Handle b = take(lock, SHARED);
        assertNotEquals(a, b);
        assertEquals(a, a);
        assertEquals(a.hashCode(), a.hashCode());
        a.release();
        assertEquals(a, a, "a released handle is still itself");
        assertNotEquals(a, b);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void equals_manyHandles_allDistinct(Backend backend) {
        MultiLock lock = backend.create();
        Set<Handle> handles = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            handles.add(take(lock, i % 2 == 0 ? SHARED : NONE));
        }
        assertEquals(100, handles.size(), "one distinct handle per acquisition");
    }

    // ---- null arguments ----

    /** A SHARED holder and an EXCLUSIVE waiter: a state that a stray change would disturb. */
    private static final class Busy {
        final Backend backend;
        final MultiLock lock;
        final Handle reader;
        final CompletableFuture<Handle> writer;

        Busy(Backend backend) {
            this.backend = backend;
            this.lock = backend.create();
            this.reader = take(lock, SHARED);
            this.writer = lock.acquire(EXCLUSIVE);
        }

        void assertUnchanged(String after) {
            assertSame(SHARED, lock.locked(), "locked() changed after " + after);
            assertEquals(1, lock.queueLength(), "queueLength() changed after " + after);
            assertTrue(reader.isHeld(), "the reader was released by " + after);
            assertFalse(writer.isDone(), "the writer was let in by " + after);
        }

        void assertStillWorks() {
            reader.release();
            Handle w = backend.granted(writer);
            assertSame(EXCLUSIVE, lock.locked());
            w.release();
            assertSame(NONE, lock.locked());
            assertEquals(0, lock.queueLength());
        }
    }

    private static void assertNpeNaming(String parameter, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertNotNull(e.getMessage(), "the message names the parameter " + parameter);
        assertTrue(e.getMessage().contains(parameter),
                "the message names the parameter " + parameter + ": " + e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquire_nullType_throwsNpeNamingTypeAndChangesNothing(Backend backend) {
        Busy b = new Busy(backend);
        assertNpeNaming("type", () -> b.lock.acquire(null));
        b.assertUnchanged("acquire(null)");
        b.assertStillWorks();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireWithExecutor_nullType_throwsNpeNamingTypeAndChangesNothing(Backend backend) {
        Busy b = new Busy(backend);
        assertNpeNaming("type", () -> b.lock.acquire(null, Runnable::run));
        b.assertUnchanged("acquire(null, executor)");
        b.assertStillWorks();
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void acquireWithExecutor_nullExecutor_throwsNpeNamingExecutorAndChangesNothing(
            Backend backend, MultiLockType type) {
        Busy b = new Busy(backend);
        assertNpeNaming("executor", () -> b.lock.acquire(type, null));
        b.assertUnchanged("acquire(" + type + ", null)");
        b.assertStillWorks();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void acquireWithExecutor_nullExecutorOnUnlockedLock_throwsNpeAndTakesNothing(Backend backend) {
        MultiLock lock = backend.create();
        assertNpeNaming("executor", () -> lock.acquire(EXCLUSIVE, null));
        assertSame(NONE, lock.locked(), "a failed call takes no hold");
        assertEquals(0, lock.queueLength());
        assertTrue(lock.tryAcquire(EXCLUSIVE).isPresent());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void tryAcquire_nullType_throwsNpeNamingTypeAndChangesNothing(Backend backend) {
        Busy b = new Busy(backend);
        assertNpeNaming("type", () -> b.lock.tryAcquire(null));
        b.assertUnchanged("tryAcquire(null)");
        b.assertStillWorks();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_nullHandle_throwsNpeNamingHandleAndChangesNothing(Backend backend) {
        Busy b = new Busy(backend);
        assertNpeNaming("handle", () -> b.lock.release(null));
        b.assertUnchanged("release(null)");
        b.assertStillWorks();
    }

    // ---- a handle of another lock ----

    @ParameterizedTest
    @MethodSource("backends")
    void release_heldHandleOfAnotherLock_throwsIaeAndChangesNeitherLock(Backend backend) {
        Busy mine = new Busy(backend);
        MultiLock other = backend.create();
        Handle foreign = take(other, EXCLUSIVE);
        CompletableFuture<Handle> otherWaiter = other.acquire(SHARED);

        assertThrows(IllegalArgumentException.class, () -> mine.lock.release(foreign));
        mine.assertUnchanged("release of a foreign handle");
        assertTrue(foreign.isHeld(), "the foreign handle was released");
        assertSame(EXCLUSIVE, other.locked(), "the other lock changed");
        assertEquals(1, other.queueLength(), "the other lock's queue changed");
        assertFalse(otherWaiter.isDone(), "the other lock let its waiter in");

        mine.assertStillWorks();
        assertTrue(foreign.release(), "still held, so its own release releases it");
        assertSame(SHARED, backend.granted(otherWaiter).type());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void release_releasedHandleOfAnotherLock_throwsIaeAndChangesNeitherLock(Backend backend) {
        Busy mine = new Busy(backend);
        MultiLock other = backend.create();
        Handle foreign = take(other, SHARED);
        foreign.release();
        Handle otherHolder = take(other, EXCLUSIVE);

        assertThrows(IllegalArgumentException.class, () -> mine.lock.release(foreign));
        mine.assertUnchanged("release of a released foreign handle");
        assertFalse(foreign.isHeld());
        assertTrue(otherHolder.isHeld());
        assertSame(EXCLUSIVE, other.locked(), "the other lock changed");
        assertEquals(0, other.queueLength());
        mine.assertStillWorks();
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void release_handleOfAnotherLockOfSameType_throwsIae(Backend backend, MultiLockType type) {
        MultiLock a = backend.create();
        MultiLock b = backend.create();
        Handle ha = take(a, type);
        Handle hb = take(b, type);
        assertThrows(IllegalArgumentException.class, () -> a.release(hb));
        assertThrows(IllegalArgumentException.class, () -> b.release(ha));
        assertTrue(ha.isHeld() && hb.isHeld(), "neither handle released");
        assertSame(type, a.locked());
        assertSame(type, b.locked());
        assertTrue(a.release(ha));
        assertTrue(b.release(hb));
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void release_handleOfALockOfAnotherBackend_throwsIaeBothWays(Backend backend,
            MultiLockType type) {
        // rule 5 across backends: each lock knows its own handles, whatever else is installed
        Backend otherBackend = backend == Backend.LOCKFREE ? Backend.KEYED : Backend.LOCKFREE;
        MultiLock mine = backend.create();
        MultiLock theirs = otherBackend.create();
        Handle hm = take(mine, type);
        Handle ht = take(theirs, type);
        assertThrows(IllegalArgumentException.class, () -> mine.release(ht),
                "a handle of " + otherBackend + " on a lock of " + backend);
        assertThrows(IllegalArgumentException.class, () -> theirs.release(hm),
                "a handle of " + backend + " on a lock of " + otherBackend);
        assertTrue(hm.isHeld() && ht.isHeld(), "neither handle released");
        assertSame(type, mine.locked());
        assertSame(type, theirs.locked());
        assertTrue(mine.release(hm));
        assertTrue(theirs.release(ht));
    }
}
