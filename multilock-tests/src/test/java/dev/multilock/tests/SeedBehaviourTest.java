package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One test per single-lock behaviour of asyncio-multilock 0.2.0, as listed in
 * {@code shared/seed/BEHAVIOUR.md}, section "MultiLock". Each {@code @DisplayName} quotes the
 * bullet it checks. Not here: {@code notify}/{@code wait} and {@code MultiLockSet} (not yet
 * implemented), and "no fairness" (our contract is stricter; see {@code FairnessTest}).
 *
 * <p>Every wait here is made complete by a release on the test thread, so the tests only check
 * {@code isDone()} right after the call that must complete the future; nothing sleeps. That is
 * so in one JVM; on PostgreSQL, where a grant that needs the server comes a round trip later and
 * on a library thread, {@link Backend#granted} waits for it, and where a test is about
 * completing at once it is skipped.
 *
 * <p>Runs on the in-JVM backends here, and on PostgreSQL in {@link PostgresBackendTest}.
 */
@TestInstance(Lifecycle.PER_CLASS)
class SeedBehaviourTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    Stream<Arguments> backendsAndTypes() {
        return Backend.withTypes(backends(), MultiLockType.values());
    }

    Stream<Arguments> backendsAndNoneOrShared() {
        return Backend.withTypes(backends(), NONE, SHARED);
    }

    Stream<Arguments> backendsAndSharedOrExclusive() {
        return Backend.withTypes(backends(), SHARED, EXCLUSIVE);
    }

    // ---- locked ----

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("locked is NONE when nothing is held")
    void locked_nothingHeld_isNone(Backend backend) {
        MultiLock lock = backend.create();
        assertSame(NONE, lock.locked());
        Handle h = take(lock, EXCLUSIVE);
        h.release();
        assertSame(NONE, lock.locked(), "nothing held again after the release");
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("locked is the max type over current acquisitions")
    void locked_severalAcquisitions_isMaxType(Backend backend) {
        MultiLock lock = backend.create();
        Handle none = take(lock, NONE);
        Handle shared = take(lock, SHARED);
        assertSame(SHARED, lock.locked(), "max(NONE, SHARED)");
        shared.release();
        none.release();
        Handle exclusive = take(lock, EXCLUSIVE);
        assertSame(EXCLUSIVE, lock.locked(), "EXCLUSIVE alone");
        exclusive.release();
        assertSame(NONE, lock.locked());
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("A NONE acquisition never shows in locked")
    void locked_onlyNoneHeld_isNone(Backend backend) {
        MultiLock lock = backend.create();
        Handle none = take(lock, NONE);
        Handle none2 = backend.granted(lock.acquire(NONE));
        assertTrue(none.isHeld() && none2.isHeld());
        assertSame(NONE, lock.locked());
    }

    // ---- acquire_nowait == tryAcquire ----

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    @DisplayName("acquire_nowait: any type succeeds on an unlocked lock, and locked becomes that"
            + " type")
    void tryAcquire_unlocked_succeedsAndLockedBecomesType(Backend backend, MultiLockType type) {
        MultiLock lock = backend.create();
        Optional<Handle> h = lock.tryAcquire(type);
        assertTrue(h.isPresent(), "tryAcquire(" + type + ") on an unlocked lock");
        assertSame(type, lock.locked());
        assertSame(type, h.get().type());
        assertTrue(h.get().isHeld());
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    @DisplayName("acquire_nowait: with an EXCLUSIVE holder every type fails, NONE included, and"
            + " the state is unchanged")
    void tryAcquire_exclusiveHeld_returnsEmptyAndChangesNothing(
            Backend backend, MultiLockType type) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        assertTrue(lock.tryAcquire(type).isEmpty(), "tryAcquire(" + type + ") beside EXCLUSIVE");
        assertSame(EXCLUSIVE, lock.locked());
        assertEquals(0, lock.queueLength(), "a failed tryAcquire queues nothing");
        assertTrue(holder.release(), "the holder is still the one holder");
        assertSame(NONE, lock.locked(), "the failed tryAcquire left no hold behind");
    }

    @ParameterizedTest
    @MethodSource("backendsAndSharedOrExclusive")
    @DisplayName("acquire_nowait: with a SHARED or EXCLUSIVE holder, EXCLUSIVE fails")
    void tryAcquireExclusive_sharedOrExclusiveHeld_returnsEmpty(
            Backend backend, MultiLockType held) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, held);
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty(), "tryAcquire(EXCLUSIVE) beside " + held);
        assertSame(held, lock.locked(), "state unchanged");
        assertEquals(0, lock.queueLength());
        holder.release();
        assertSame(NONE, lock.locked());
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("acquire_nowait: SHARED succeeds alongside SHARED; the lock stays SHARED until"
            + " the last shared handle goes")
    void tryAcquireShared_sharedHeld_succeedsAndStaysSharedUntilLast(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        Handle third = take(lock, SHARED);
        assertSame(SHARED, lock.locked());
        first.release();
        assertSame(SHARED, lock.locked(), "two shared handles left");
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty(), "still shared: EXCLUSIVE refused");
        third.release();
        assertSame(SHARED, lock.locked(), "one shared handle left");
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty(), "still shared: EXCLUSIVE refused");
        second.release();
        assertSame(NONE, lock.locked(), "the last shared handle is gone");
        assertTrue(lock.tryAcquire(EXCLUSIVE).isPresent());
    }

    // ---- acquire ----

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    @DisplayName("acquire completes immediately when it can be taken at once, for every type")
    void acquire_unlocked_completesImmediately(Backend backend, MultiLockType type) {
        assumeTrue(backend.synchronousGrants(), "exact synchrony: on PostgreSQL a lock that no"
                + " server lock of this process covers is granted after a round trip");
        MultiLock lock = backend.create();
        CompletableFuture<Handle> f = lock.acquire(type);
        Handle h = backend.granted(f);
        assertSame(type, h.type());
        assertSame(type, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backendsAndNoneOrShared")
    @DisplayName("acquire completes immediately when it can be taken at once: NONE and SHARED"
            + " beside a SHARED holder")
    void acquire_sharedHeld_completesImmediately(Backend backend, MultiLockType type) {
        MultiLock lock = backend.create();
        take(lock, SHARED);
        // on PostgreSQL the server lock of the SHARED holder covers it: granted without a round
        // trip, at once unless a library thread runs the key's bookkeeping at that moment
        Handle h = backend.granted(lock.acquire(type));
        assertSame(type, h.type());
        assertSame(SHARED, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    @DisplayName("An acquirer of any type waiting on an EXCLUSIVE holder gets the lock when it is"
            + " released")
    void acquire_exclusiveHeld_grantedOnRelease(Backend backend, MultiLockType type) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> f = lock.acquire(type);
        assertFalse(f.isDone(), type + " must wait while EXCLUSIVE is held");
        assertEquals(1, lock.queueLength());
        assertTrue(holder.release());
        Handle h = backend.granted(f);
        assertSame(type, h.type());
        assertTrue(h.isHeld());
        assertSame(type, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backendsAndSharedOrExclusive")
    @DisplayName("An EXCLUSIVE acquirer waiting on a SHARED or EXCLUSIVE holder gets it when that"
            + " is released")
    void acquireExclusive_sharedOrExclusiveHeld_grantedOnRelease(
            Backend backend, MultiLockType held) {
        MultiLock lock = backend.create();
        Handle holder = take(lock, held);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE);
        assertFalse(f.isDone(), "EXCLUSIVE must wait while " + held + " is held");
        assertTrue(holder.release());
        Handle h = backend.granted(f);
        assertSame(EXCLUSIVE, h.type());
        assertSame(EXCLUSIVE, lock.locked());
        assertEquals(0, lock.queueLength());
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("An EXCLUSIVE acquirer waiting on several SHARED holders gets it when the last"
            + " is released")
    void acquireExclusive_severalSharedHeld_grantedOnLastRelease(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, SHARED);
        Handle second = take(lock, SHARED);
        CompletableFuture<Handle> f = lock.acquire(EXCLUSIVE);
        first.release();
        assertFalse(f.isDone(), "one SHARED holder is left");
        second.release();
        assertSame(EXCLUSIVE, backend.granted(f).type());
        assertSame(EXCLUSIVE, lock.locked());
    }

    // ---- release ----

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("release of an already released handle is a silent no-op (returns false)")
    void release_alreadyReleased_returnsFalseAndChangesNothing(Backend backend) {
        MultiLock lock = backend.create();
        Handle released = take(lock, EXCLUSIVE);
        assertTrue(lock.release(released));
        Handle other = take(lock, EXCLUSIVE);
        CompletableFuture<Handle> waiting = lock.acquire(SHARED);

        assertFalse(lock.release(released), "second release");
        assertFalse(released.isHeld());
        assertSame(EXCLUSIVE, lock.locked(), "the other holder is untouched");
        assertTrue(other.isHeld());
        assertFalse(waiting.isDone(), "nothing let in");
        assertEquals(1, lock.queueLength());
    }

    // ---- handles ----

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("Our handles are minted by the lock: one per acquisition, unique, of this lock")
    void acquire_eachAcquisition_mintsOwnHandle(Backend backend) {
        MultiLock lock = backend.create();
        Handle a = take(lock, SHARED);
        Handle b = take(lock, SHARED);
        Handle c = backend.granted(lock.acquire(SHARED));
        Handle d = backend.granted(lock.acquire(NONE));
        assertNotSame(a, b);
        assertNotSame(a, c);
        assertNotSame(b, c);
        assertNotSame(c, d);
        assertEquals(lock, a.lock()); // the same lock (K4: a keyed handle's is an equal view)
        assertEquals(lock, d.lock());
        a.release();
        Handle e = take(lock, SHARED);
        assertNotSame(a, e, "a released handle is not reused");
        assertFalse(a.isHeld());
        assertTrue(e.isHeld());
    }

    @Test
    @DisplayName("Our handles are minted by the lock, so they cannot be forged: Handle and"
            + " MultiLock are sealed")
    void handle_sealedType_cannotBeImplementedOutsideTheLock() {
        assertTrue(Handle.class.isSealed(), "Handle is sealed");
        assertTrue(MultiLock.class.isSealed(), "MultiLock is sealed");
        for (Class<?> permitted : Handle.class.getPermittedSubclasses()) {
            // by package, not module, so that this also holds on the class path (as under PIT)
            assertTrue(permitted.getPackageName().equals("dev.multilock")
                            || permitted.getPackageName().equals("dev.multilock.spi"),
                    "only the api module permits handle types: " + permitted);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("Double release stays a no-op: a handle released twice does not release a"
            + " later acquisition")
    void release_twice_doesNotReleaseLaterAcquisition(Backend backend) {
        MultiLock lock = backend.create();
        Handle first = take(lock, EXCLUSIVE);
        first.release();
        Handle second = take(lock, EXCLUSIVE);
        assertFalse(first.release());
        assertTrue(second.isHeld());
        assertSame(EXCLUSIVE, lock.locked());
        assertTrue(lock.tryAcquire(EXCLUSIVE).isEmpty());
    }

    // ---- context ----

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("context(type) acquires for the duration of a block and releases on exit")
    void tryWithResources_normalExit_releases(Backend backend) {
        MultiLock lock = backend.create();
        Handle seen;
        try (Handle h = backend.granted(lock.acquire(EXCLUSIVE))) {
            seen = h;
            assertTrue(h.isHeld());
            assertSame(EXCLUSIVE, lock.locked(), "held inside the block");
        }
        assertFalse(seen.isHeld());
        assertSame(NONE, lock.locked(), "released on exit");
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("context(type) releases on exit, also on error")
    void tryWithResources_exceptionThrown_releasesAndPropagates(Backend backend) {
        MultiLock lock = backend.create();
        Handle[] seen = new Handle[1];
        IllegalStateException thrown = new IllegalStateException("boom");
        IllegalStateException caught = assertThrows(IllegalStateException.class, () -> {
            try (Handle h = backend.granted(lock.acquire(SHARED))) {
                seen[0] = h;
                assertSame(SHARED, lock.locked());
                throw thrown;
            }
        });
        assertSame(thrown, caught, "the block's exception propagates");
        assertEquals(0, caught.getSuppressed().length, "close() added nothing");
        assertFalse(seen[0].isHeld());
        assertSame(NONE, lock.locked(), "released on exit by exception");
    }

    @ParameterizedTest
    @MethodSource("backends")
    @DisplayName("context(type) releases on exit, letting in a waiter")
    void tryWithResources_waiterQueued_grantedOnExit(Backend backend) {
        MultiLock lock = backend.create();
        CompletableFuture<Handle> waiter;
        try (Handle h = backend.granted(lock.acquire(EXCLUSIVE))) {
            waiter = lock.acquire(EXCLUSIVE);
            assertFalse(waiter.isDone(), "waits while " + h + " is held");
        }
        assertTrue(backend.granted(waiter).isHeld());
        assertSame(EXCLUSIVE, lock.locked());
    }
}
