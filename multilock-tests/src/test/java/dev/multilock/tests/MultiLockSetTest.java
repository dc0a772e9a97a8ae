package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.tests.pg.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MultiLockSet}: one test per MultiLockSet bullet of BEHAVIOUR.md, and the API.md rules
 * of sets (flattening, all or nothing, cancellation, the set's handle and watch).
 *
 * <p>Every test runs under a hard limit in a separate thread, so that a set watch that busy-loops
 * inside a call fails its test instead of hanging the build.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
@TestInstance(Lifecycle.PER_CLASS)
class MultiLockSetTest {

    /** The backends of this suite: overridden for PostgreSQL (hence the PER_CLASS instance). */
    Stream<Backend> backends() {
        return Backend.inJvm();
    }

    /**
     * The members of the sets: each backend alone, and each but the lock-free one mixed with the
     * lock-free lock (members created in turn from it and from LOCKFREE): a set may mix locks of
     * several backends (K5).
     */
    Stream<Members> members() {
        return backends().flatMap(b -> b == Backend.LOCKFREE ? Stream.of(new Members(b, false))
                : Stream.of(new Members(b, false), new Members(b, true)));
    }

    /**
     * Where a test's locks come from: {@link #backend}, or, if {@link #mixed}, that backend and
     * {@link Backend#LOCKFREE} in turn, the first lock from the backend.
     */
    static final class Members {
        final Backend backend;
        final boolean mixed;
        private int created;

        Members(Backend backend, boolean mixed) {
            this.backend = backend;
            this.mixed = mixed;
        }

        MultiLock create() {
            return backendOf(created++).create();
        }

        /** The backend of the lock that the {@code index}-th call of create() makes (from 0). */
        Backend backendOf(int index) {
            return mixed && (index & 1) == 1 ? Backend.LOCKFREE : backend;
        }

        /**
         * Whether a set takes these locks in the order they were created: lock-free locks are
         * ordered so; a keyed lock draws its place when a set first orders it, and a PostgreSQL
         * lock is ordered by its advisory key, before every lock of one JVM (K5, LockPin).
         */
        boolean orderedByCreation() {
            return backend == Backend.LOCKFREE && !mixed;
        }

        @Override
        public String toString() {
            return mixed ? backend + " and LOCKFREE" : backend.toString();
        }
    }

    // ---- the MultiLockSet bullets of BEHAVIOUR.md ----

    @ParameterizedTest
    @MethodSource("members")
    void locked_membersHeldVariously_isTheMaxOverMembers(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        assertEquals(NONE, set.locked(), "no member held: NONE");
        Handle none = a.tryAcquire(NONE).orElseThrow();
        assertEquals(NONE, set.locked(), "a NONE hold never shows in locked()");
        Handle shared = a.tryAcquire(SHARED).orElseThrow();
        assertEquals(SHARED, set.locked(), "max(SHARED, NONE) is SHARED; " + a + " " + b);
        Handle exclusive = b.tryAcquire(EXCLUSIVE).orElseThrow();
        assertEquals(EXCLUSIVE, set.locked(), "max(SHARED, EXCLUSIVE) is EXCLUSIVE");
        shared.release();
        assertEquals(EXCLUSIVE, set.locked(), "max(NONE, EXCLUSIVE) is EXCLUSIVE");
        exclusive.release();
        none.release();
        assertEquals(NONE, set.locked());
    }

    @ParameterizedTest
    @MethodSource("members")
    void tryAcquire_everyMemberFree_takesEveryMember(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLock c = members.create();
        MultiLockSet set = MultiLockSet.of(c, a, b);
        Handle h = set.tryAcquire(EXCLUSIVE).orElseThrow();
        for (MultiLock m : List.of(a, b, c)) {
            assertEquals(EXCLUSIVE, m.locked(), "the set's tryAcquire must take every member; "
                    + m);
        }
        assertEquals(EXCLUSIVE, set.locked());
        assertEquals(EXCLUSIVE, h.type());
        assertTrue(h.isHeld());
        assertTrue(set.release(h));
        assertNone(a, b, c);
    }

    @ParameterizedTest
    @MethodSource("members")
    void tryAcquire_oneMemberExcludes_takesNothingOnAny(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLock c = members.create();
        Handle held = b.tryAcquire(EXCLUSIVE).orElseThrow();
        MultiLockSet set = MultiLockSet.of(a, b, c);
        for (MultiLockType type : MultiLockType.values()) {
            assertTrue(set.tryAcquire(type).isEmpty(), "the set's tryAcquire(" + type + ") must"
                    + " fail when one member excludes it");
            assertState(a, NONE, 0, 0, "a member before the excluding one must be untouched");
            assertState(c, NONE, 0, 0, "a member after the excluding one must be untouched");
            assertState(b, EXCLUSIVE, 1, 0, "the excluding member must be untouched");
        }
        held.release();
    }

    @ParameterizedTest
    @MethodSource("members")
    void tryAcquire_laterMemberExcludes_rollsBackExactlyItsOwnHolds(Members members) {
        // The original's rollback captures the loop variable late and releases the wrong member;
        // here a direct SHARED holder of the first member must keep exactly its one hold.
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLock c = members.create();
        Handle directA = a.tryAcquire(SHARED).orElseThrow();
        Handle directB = b.tryAcquire(SHARED).orElseThrow();
        Handle blocker = c.tryAcquire(EXCLUSIVE).orElseThrow();
        MultiLockSet set = MultiLockSet.of(a, b, c);
        assertTrue(set.tryAcquire(SHARED).isEmpty(), "c is held EXCLUSIVE: the set must fail");
        assertState(a, SHARED, 1, 0, "the rollback must release the set's hold on a, and only"
                + " that one");
        assertState(b, SHARED, 1, 0, "the rollback must release the set's hold on b, and only"
                + " that one");
        assertState(c, EXCLUSIVE, 1, 0, "the rollback must not touch the member that failed");
        directA.release();
        directB.release();
        blocker.release();
        assertNone(a, b, c);
    }

    @ParameterizedTest
    @MethodSource("members")
    void acquire_membersHeld_waitsUntilEveryMemberCanBeTaken(Members members) throws Exception {
        MultiLock a = members.create();
        MultiLock b = members.create();
        Handle ha = a.tryAcquire(EXCLUSIVE).orElseThrow();
        Handle hb = b.tryAcquire(SHARED).orElseThrow();
        MultiLockSet set = MultiLockSet.of(b, a);
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        assertFalse(f.isDone(), "acquire must wait while a member is held");
        ha.release();
        assertFalse(f.isDone(), "acquire must wait until every member can be taken; " + a + " "
                + b);
        hb.release();
        members.backend.await(f, "the last release must complete the set's acquire; " + a + " "
                + b);
        Handle h = f.get(5, SECONDS);
        assertSame(set, h.lock());
        assertEquals(EXCLUSIVE, a.locked());
        assertEquals(EXCLUSIVE, b.locked());
        h.release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void acquire_everyMemberFree_completedAtOnce(Members members) throws Exception {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        for (MultiLockType type : MultiLockType.values()) {
            CompletableFuture<Handle> f = members.backend.await(set.acquire(type), "a set acquire"
                    + " of " + type + " on free members must be complete at once");
            assertEquals(0, set.queueLength());
            f.get(5, SECONDS).release();
        }
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void release_setHandle_releasesEveryMember(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle h = set.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Handle> writerA = a.acquire(EXCLUSIVE);
        CompletableFuture<Handle> writerB = b.acquire(EXCLUSIVE);
        assertTrue(set.release(h), "the first release returns true");
        members.backend.eventually(() -> writerA.isDone() && writerB.isDone(), "releasing the"
                + " set's handle must release every member and let their waiters in; " + a + " "
                + b);
        assertFalse(h.isHeld());
        assertFalse(set.release(h), "a second release returns false");
        assertFalse(h.release(), "a second release returns false");
        assertEquals(EXCLUSIVE, a.locked(), "a second release must not release what the"
                + " waiters now hold; " + a);
        writerA.join().release();
        writerB.join().release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void watch_setWhenEveryMemberAcquirable(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        try (Watch free = set.watch(EXCLUSIVE)) {
            members.backend.eventually(free::isSet, "notify on a set of free members is set at"
                    + " once");
        }
        Handle ha = a.tryAcquire(SHARED).orElseThrow();
        Handle hb = b.tryAcquire(EXCLUSIVE).orElseThrow();
        try (Watch exclusive = set.watch(EXCLUSIVE); Watch shared = set.watch(SHARED)) {
            assertFalse(exclusive.isSet() || shared.isSet(), "b is EXCLUSIVE: nothing is"
                    + " acquirable on the set");
            hb.release();
            members.backend.eventually(shared::isSet, "the set's notify watches every member:"
                    + " SHARED is now acquirable on a and b; " + a + " " + b);
            assertFalse(exclusive.isSet(), "EXCLUSIVE is still excluded by a's SHARED; " + a);
            ha.release();
            members.backend.eventually(exclusive::isSet, "the set's notify watches every member:"
                    + " EXCLUSIVE is now acquirable on a and b; " + a + " " + b);
        }
        members.backend.assertWatchers(a, 0, "closing the set's watches must close the"
                + " member watches; " + a + " " + b);
        members.backend.assertWatchers(b, 0, "closing the set's watches must close the"
                + " member watches; " + a + " " + b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void whenAcquirable_completesWhenEveryMemberAcquirable(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        members.backend.await(set.whenAcquirable(EXCLUSIVE), "wait on free members: at once");
        Handle ha = a.tryAcquire(EXCLUSIVE).orElseThrow();
        Handle hb = b.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Void> shared = set.whenAcquirable(SHARED);
        CompletableFuture<Void> exclusive = set.whenAcquirable(EXCLUSIVE);
        ha.release();
        members.backend.await(shared, "the set's wait watches every member: SHARED is now"
                + " acquirable on a and b; " + a + " " + b);
        assertFalse(exclusive.isDone(), "EXCLUSIVE is still excluded by b's SHARED; " + b);
        hb.release();
        members.backend.await(exclusive, "the last release must complete the set's wait; " + a
                + " " + b);
        members.backend.assertWatchers(a, 0, "a completed set wait"
                + " must leave no member watch behind; " + a + " " + b);
        members.backend.assertWatchers(b, 0, "a completed set wait"
                + " must leave no member watch behind; " + a + " " + b);
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void acquireShared_memberHeldSharedDirectly_succeedsAndMemberStaysShared(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle direct = a.tryAcquire(SHARED).orElseThrow();
        assertTrue(set.tryAcquire(EXCLUSIVE).isEmpty(), "a direct SHARED hold on a member"
                + " excludes the set's EXCLUSIVE");
        assertState(b, NONE, 0, 0, "the failed EXCLUSIVE must leave b untouched");
        Handle h = set.tryAcquire(SHARED).orElse(null);
        assertNotNull(h, "a direct SHARED hold on a member lets the set take SHARED; " + a);
        assertState(a, SHARED, 2, 0, "a holds the direct and the set's SHARED");
        h.release();
        assertState(a, SHARED, 1, 0, "a must stay SHARED by its direct holder after the set's"
                + " handle is released");
        assertState(b, NONE, 0, 0, "b must be released");
        direct.release();
        assertNone(a, b);
    }

    // ---- of() and members() ----

    @ParameterizedTest
    @MethodSource("members")
    void of_noMembers_throwsIllegalArgument(Members members) {
        assertThrows(IllegalArgumentException.class, () -> MultiLockSet.of(),
                "a set without members must be rejected");
        assertThrows(IllegalArgumentException.class, () -> MultiLockSet.of(List.of()),
                "a set without members must be rejected");
    }

    @ParameterizedTest
    @MethodSource("members")
    void of_nullArgumentOrMember_throwsNpe(Members members) {
        MultiLock a = members.create();
        assertThrows(NullPointerException.class, () -> MultiLockSet.of((MultiLock[]) null));
        assertThrows(NullPointerException.class,
                () -> MultiLockSet.of((Collection<MultiLock>) null));
        assertThrows(NullPointerException.class, () -> MultiLockSet.of(a, null));
        assertThrows(NullPointerException.class, () -> MultiLockSet.of(Arrays.asList(a, null)));
    }

    @ParameterizedTest
    @MethodSource("members")
    void members_areTheDirectMembersUnmodifiable(Members locks) {
        MultiLock a = locks.create();
        MultiLock b = locks.create();
        MultiLock c = locks.create();
        MultiLockSet inner = MultiLockSet.of(a, b);
        MultiLockSet outer = MultiLockSet.of(inner, c, c);
        Set<MultiLock> members = outer.members();
        assertEquals(Set.of(inner, c), members, "members() are the direct members, without"
                + " duplicates, not the flattened leaves");
        assertThrows(UnsupportedOperationException.class, () -> members.add(a),
                "members() must be unmodifiable");
        assertThrows(UnsupportedOperationException.class, () -> members.remove(c),
                "members() must be unmodifiable");
        List<MultiLock> source = new ArrayList<>(List.of(a, b));
        MultiLockSet copy = MultiLockSet.of(source);
        source.add(c);
        assertEquals(Set.of(a, b), copy.members(), "the set must not see later changes to the"
                + " collection it was made from");
    }

    @ParameterizedTest
    @MethodSource("members")
    void of_duplicateMember_holdsItOnce(Members members) throws Exception {
        MultiLock a = members.create();
        MultiLockSet set = MultiLockSet.of(a, a);
        Handle h = set.tryAcquire(EXCLUSIVE).orElse(null);
        assertNotNull(h, "of(a, a) holds a once, so its EXCLUSIVE tryAcquire must succeed; "
                + a);
        h.release();
        CompletableFuture<Handle> f = members.backend.await(set.acquire(EXCLUSIVE),
                "of(a, a).acquire(EXCLUSIVE) must not wait for itself; " + a);
        f.get(5, SECONDS).release();
        Handle s = set.tryAcquire(SHARED).orElseThrow();
        assertState(a, SHARED, 1, 0, "of(a, a) must take a single SHARED hold on a");
        s.release();
        assertNone(a);
    }

    @ParameterizedTest
    @MethodSource("members")
    void of_nestedOverlappingSets_holdEachLeafOnce(Members members) throws Exception {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLock c = members.create();
        MultiLockSet set = MultiLockSet.of(MultiLockSet.of(a, b), MultiLockSet.of(b, c));
        Handle shared = set.tryAcquire(SHARED).orElseThrow();
        assertState(a, SHARED, 1, 0, "each leaf must have exactly one shared holder");
        assertState(b, SHARED, 1, 0, "b is in both nested sets but must be held once");
        assertState(c, SHARED, 1, 0, "each leaf must have exactly one shared holder");
        assertTrue(b.tryAcquire(EXCLUSIVE).isEmpty(), "b is held by the set");
        shared.release();
        assertNone(a, b, c);
        Handle exclusive = set.tryAcquire(EXCLUSIVE).orElse(null);
        assertNotNull(exclusive, "a leaf held twice would make the set's EXCLUSIVE fail on"
                + " itself; " + b);
        exclusive.release();
        CompletableFuture<Handle> f = members.backend.await(set.acquire(EXCLUSIVE),
                "the set's EXCLUSIVE acquire must not wait for itself on b; " + b);
        f.get(5, SECONDS).release();
        assertNone(a, b, c);
    }

    // ---- all or nothing, cancellation ----

    /** Why a test that places its blocker by the order of creation runs on lock-free locks only. */
    private static final String ORDER_BY_CREATION = "the blocker is placed by the order of"
            + " creation, which only lock-free locks are ordered by; a keyed lock draws its place"
            + " when a set first orders it and a PostgreSQL lock is ordered by its advisory key"
            + " (K5): cancel_setAcquisitionWaitingOnOneMember_restoresEveryMember and"
            + " orTimeout_setAcquisitionWaitingOnOneMember_restoresEveryMember hold for every"
            + " order";

    @ParameterizedTest
    @MethodSource("members")
    void tryAcquireShared_firstCreatedMemberHeldExclusive_emptyAndOtherUntouched(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        allOrNothing(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void tryAcquireShared_lastCreatedMemberHeldExclusive_emptyAndOtherUntouched(Members members) {
        MultiLock b = members.create();
        MultiLock a = members.create();
        allOrNothing(a, b);
    }

    /** With {@code a} held EXCLUSIVE, every set over a and b fails SHARED and leaves b as was. */
    private static void allOrNothing(MultiLock a, MultiLock b) {
        Handle ha = a.tryAcquire(EXCLUSIVE).orElseThrow();
        for (MultiLockSet set : List.of(MultiLockSet.of(a, b), MultiLockSet.of(b, a))) {
            assertTrue(set.tryAcquire(SHARED).isEmpty(), "all or nothing: a is held EXCLUSIVE,"
                    + " so set.tryAcquire(SHARED) must be empty");
            assertState(b, NONE, 0, 0, "all or nothing: b must be untouched");
            assertState(a, EXCLUSIVE, 1, 0, "a must be untouched");
            assertEquals(0, set.queueLength());
        }
        Handle hb = b.tryAcquire(EXCLUSIVE).orElse(null);
        assertNotNull(hb, "b must be free after the failed set attempts; " + b);
        hb.release();
        ha.release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void cancel_setAcquisitionHoldingFirstMember_everyMemberNoneAfterwards(Members members)
            throws Exception {
        assumeTrue(members.orderedByCreation(), ORDER_BY_CREATION);
        MultiLock first = members.create();
        MultiLock second = members.create();
        Handle blocker = second.tryAcquire(EXCLUSIVE).orElseThrow();
        MultiLockSet set = MultiLockSet.of(second, first);
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        assertFalse(f.isDone());
        assertEquals(EXCLUSIVE, first.locked(), "the set takes the members in creation order"
                + " and holds the first while it waits for the second; " + first);
        assertEquals(1, second.queueLength(), "the set's request waits on the second member");
        assertEquals(1, set.queueLength(), "a set acquisition in progress counts in the set's"
                + " queueLength()");
        assertTrue(f.cancel(false));
        assertEquals(0, set.queueLength(), "a cancelled set acquisition no longer counts");
        assertState(first, NONE, 0, 0, "a cancelled set acquisition must release the members"
                + " it already holds");
        assertState(second, EXCLUSIVE, 1, 0, "a cancelled set acquisition must withdraw its"
                + " waiting member request");
        blocker.release();
        assertNone(first, second);
    }

    @ParameterizedTest
    @MethodSource("members")
    void cancel_setAcquisitionWaitingOnFirstMember_everyMemberNoneAfterwards(Members members) {
        assumeTrue(members.orderedByCreation(), ORDER_BY_CREATION);
        MultiLock first = members.create();
        MultiLock second = members.create();
        Handle blocker = first.tryAcquire(SHARED).orElseThrow();
        MultiLockSet set = MultiLockSet.of(second, first);
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        assertEquals(1, first.queueLength());
        assertState(second, NONE, 0, 0, "nothing after a waiting member is taken yet");
        assertTrue(f.cancel(false));
        assertState(first, SHARED, 1, 0, "a cancelled set acquisition must withdraw its"
                + " waiting member request");
        blocker.release();
        assertNone(first, second);
        assertEquals(0, set.queueLength());
    }

    @ParameterizedTest
    @MethodSource("members")
    void orTimeout_setAcquisitionTimesOut_everyMemberNoneAfterwards(Members members)
            throws Exception {
        assumeTrue(members.orderedByCreation(), ORDER_BY_CREATION);
        MultiLock first = members.create();
        MultiLock second = members.create();
        Handle blocker = second.tryAcquire(EXCLUSIVE).orElseThrow();
        MultiLockSet set = MultiLockSet.of(first, second);
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        assertEquals(EXCLUSIVE, first.locked(), "the set holds the first member while waiting");
        CompletableFuture<Void> firstFree = first.whenAcquirable(EXCLUSIVE);
        assertFalse(firstFree.isDone());
        f.orTimeout(20, MILLISECONDS);
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> f.get(5, SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        try {
            // the timeout's thread withdraws and releases after it completes f: wait for it
            firstFree.get(5, SECONDS);
        } catch (TimeoutException stuck) {
            fail("a timed-out set acquisition never released the member it held: " + first);
        }
        assertState(first, NONE, 0, 0, "a timed-out set acquisition must release its members");
        assertState(second, EXCLUSIVE, 1, 0, "a timed-out set acquisition must withdraw its"
                + " waiting member request");
        assertEquals(0, set.queueLength());
        blocker.release();
        assertNone(first, second);
    }

    @ParameterizedTest
    @MethodSource("members")
    void cancel_setAcquisitionWaitingOnOneMember_restoresEveryMember(Members members) {
        withdrawnWhileWaitingOnB(members, false, f -> assertTrue(f.cancel(false)));
    }

    @ParameterizedTest
    @MethodSource("members")
    void orTimeout_setAcquisitionWaitingOnOneMember_restoresEveryMember(Members members) {
        withdrawnWhileWaitingOnB(members, true, f -> {
            f.orTimeout(20, MILLISECONDS);
            ExecutionException e =
                    assertThrows(ExecutionException.class, () -> f.get(5, SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
        });
    }

    /**
     * Rule 3 for a set, whatever order it takes its members in: with b held EXCLUSIVE, a set
     * acquisition of {a, b} waits on b, holding a or not; {@code withdraw} gives it up; then a
     * is as it was (NONE), b has its one holder and no waiter, and nothing leaks. A withdrawal
     * {@code byAnotherThread} (a timeout's) completes the future first, then withdraws: that is
     * awaited, on any backend.
     */
    private static void withdrawnWhileWaitingOnB(Members members, boolean byAnotherThread,
            Consumer<CompletableFuture<Handle>> withdraw) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        Handle blocker = b.tryAcquire(EXCLUSIVE).orElseThrow();
        MultiLockSet set = MultiLockSet.of(a, b);
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        members.backend.eventually(() -> b.queueLength() == 1, "the set's request waits on b; "
                + b);
        assertFalse(f.isDone());
        assertEquals(1, set.queueLength(), "a set acquisition in progress counts in the set's"
                + " queueLength()");
        withdraw.accept(f);
        BooleanSupplier withdrawn = () -> a.locked() == NONE && b.queueLength() == 0
                && set.queueLength() == 0;
        String what = "a withdrawn set acquisition must release the members it holds and"
                + " withdraw its waiting request; " + a + " " + b;
        if (byAnotherThread) {
            Poll.until(Duration.ofSeconds(5), withdrawn::getAsBoolean, done -> done, what);
        } else {
            members.backend.eventually(withdrawn, what);
        }
        assertEquals(0, set.queueLength(), "a withdrawn set acquisition no longer counts");
        assertState(a, NONE, 0, 0, "a withdrawn set acquisition must release the members it"
                + " holds");
        assertState(b, EXCLUSIVE, 1, 0, "a withdrawn set acquisition must withdraw its waiting"
                + " member request");
        blocker.release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void queueLength_countsAcquisitionsWaitingThroughThisSet(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet ab = MultiLockSet.of(a, b);
        MultiLockSet ba = MultiLockSet.of(b, a);
        Handle blocker = b.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> one = ab.acquire(SHARED);
        CompletableFuture<Handle> two = ab.acquire(SHARED);
        assertEquals(2, ab.queueLength(), "both acquisitions wait through this set");
        assertEquals(0, ba.queueLength(), "another set over the same leaves counts only its own"
                + " acquisitions");
        blocker.release();
        members.backend.eventually(() -> one.isDone() && two.isDone(), "both granted; " + a
                + " " + b);
        assertEquals(0, ab.queueLength(), "granted acquisitions no longer count");
        one.join().release();
        two.join().release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void queueLength_insideTheContinuationOfTheGrant_noLongerCountsIt(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet ab = MultiLockSet.of(a, b);
        Handle blocker = b.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> acquisition = ab.acquire(SHARED);
        assertEquals(1, ab.queueLength());
        CompletableFuture<Integer> seen = acquisition.thenApply(h -> ab.queueLength());
        blocker.release();
        assertEquals(0, seen.join(), "the granted acquisition no longer counts in its own"
                + " continuation");
        acquisition.join().release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void toString_setItsHandleAndWatch_sayWhatTheyAre(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet ab = MultiLockSet.of(a, b);
        Handle h = ab.tryAcquire(EXCLUSIVE).orElseThrow();
        assertTrue(ab.toString().contains("EXCLUSIVE") && ab.toString().contains("leaves=2"),
                ab.toString());
        assertTrue(h.toString().contains("EXCLUSIVE") && h.toString().contains("held"),
                h.toString());
        h.release();
        assertTrue(h.toString().contains("released"), h.toString());
        try (Watch w = ab.watch(EXCLUSIVE)) {
            members.backend.eventually(w::isSet, "set at creation: both leaves are free");
            assertTrue(w.toString().contains("EXCLUSIVE") && w.toString().contains("set"),
                    w.toString());
        }
    }

    // ---- the set's handle ----

    @ParameterizedTest
    @MethodSource("members")
    void setHandle_lockReleaseTwiceAndForeignHandles(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        MultiLockSet other = MultiLockSet.of(a, b);
        Handle h = set.tryAcquire(SHARED).orElseThrow();
        assertSame(set, h.lock(), "the set's handle belongs to the set");
        assertEquals(SHARED, h.type());
        Handle otherHandle = other.tryAcquire(SHARED).orElseThrow();
        Handle leafHandle = a.tryAcquire(SHARED).orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> set.release(otherHandle),
                "a handle of another set must be rejected");
        assertThrows(IllegalArgumentException.class, () -> set.release(leafHandle),
                "a handle of a leaf must be rejected by the set");
        assertThrows(IllegalArgumentException.class, () -> a.release(h),
                "a set's handle must be rejected by a leaf");
        assertTrue(otherHandle.isHeld() && leafHandle.isHeld() && h.isHeld(),
                "a rejected release must change nothing");
        assertState(a, SHARED, 3, 0, "a rejected release must change nothing");
        assertTrue(h.release());
        assertFalse(h.release(), "releasing a set's handle twice returns false");
        assertFalse(set.release(h), "releasing a set's handle twice returns false");
        assertState(a, SHARED, 2, 0, "a second release must not release anything");
        assertThrows(IllegalArgumentException.class, () -> other.release(h),
                "a released handle of another set is still foreign");
        otherHandle.release();
        leafHandle.release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void setMethods_nullArguments_throwNpeNamingTheParameter(Members members) {
        MultiLockSet set = MultiLockSet.of(members.create(), members.create());
        assertNpeNames("type", () -> set.acquire(null));
        assertNpeNames("type", () -> set.acquire(null, Runnable::run));
        assertNpeNames("executor", () -> set.acquire(SHARED, null));
        assertNpeNames("type", () -> set.tryAcquire(null));
        assertNpeNames("handle", () -> set.release(null));
        assertNpeNames("type", () -> set.watch(null));
        assertNpeNames("type", () -> set.whenAcquirable(null));
        assertEquals(NONE, set.locked());
        assertEquals(0, set.queueLength());
    }

    @ParameterizedTest
    @MethodSource("members")
    void downgrade_setExclusiveHandle_downgradesEachLeaf(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle h = set.tryAcquire(EXCLUSIVE).orElseThrow();
        CompletableFuture<Handle> readerB = b.acquire(SHARED);
        CompletableFuture<Handle> writerA = a.acquire(EXCLUSIVE);
        assertTrue(h.downgrade(), "a held EXCLUSIVE set handle must downgrade");
        assertEquals(SHARED, h.type());
        assertEquals(SHARED, a.locked(), "the downgrade must downgrade every leaf; " + a);
        assertEquals(SHARED, b.locked(), "the downgrade must downgrade every leaf; " + b);
        members.backend.await(readerB, "a SHARED waiter on a leaf must be let in by the set's"
                + " downgrade; " + b);
        assertFalse(writerA.isDone(), "an EXCLUSIVE waiter must keep waiting; " + a);
        assertFalse(h.downgrade(), "a second downgrade returns false");
        h.release();
        members.backend.await(writerA, "releasing the downgraded set handle releases a; " + a);
        assertState(b, SHARED, 1, 0, "releasing the downgraded set handle releases its SHARED"
                + " hold on b, leaving the direct reader");
        writerA.join().release();
        readerB.join().release();
        assertFalse(h.downgrade(), "a released handle does not downgrade");
        Handle shared = set.tryAcquire(SHARED).orElseThrow();
        assertFalse(shared.downgrade(), "a SHARED set handle does not downgrade");
        shared.release();
        assertNone(a, b);
    }

    // ---- the set's watch: no busy loop, nothing left behind ----

    @ParameterizedTest
    @MethodSource("members")
    void watch_membersFreedOneAtATime_setOnlyAtTheLastWithoutSpinning(Members members)
            throws Exception {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle ha = a.tryAcquire(EXCLUSIVE).orElseThrow();
        Handle hb = b.tryAcquire(EXCLUSIVE).orElseThrow();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (Watch w = set.watch(EXCLUSIVE)) {
            CompletableFuture<Void> awaited = w.awaitSet();
            CompletableFuture<Void> waited = set.whenAcquirable(EXCLUSIVE);
            assertFalse(w.isSet());
            // A busy loop would keep the releasing call from returning: run it with a deadline.
            bounded(runner, () -> {
                ha.release();
                return null;
            }, "releasing a with b still held", a, b);
            assertFalse(w.isSet(), "the set's watch must not be set while b is held; " + b);
            assertFalse(awaited.isDone() || waited.isDone(), "the set's awaitSet/whenAcquirable"
                    + " must not complete while b is held; " + b);
            members.backend.assertWatchers(a, 2, "one member watch per set watch or wait on a, no"
                    + " more (re-registering on each event would grow this); " + a);
            // a becomes acquirable again and again while b stays held (on PostgreSQL each event
            // is a few round trips: 100 there)
            int events = members.backend.inOneJvm() ? 10_000 : 100;
            bounded(runner, () -> {
                for (int i = 0; i < events; i++) {
                    a.tryAcquire(EXCLUSIVE).orElseThrow().release();
                }
                return null;
            }, events + " events on a with b held", a, b);
            assertFalse(w.isSet(), "events on a alone must never set the set's watch");
            assertFalse(awaited.isDone() || waited.isDone());
            members.backend.assertWatchers(a, 2, "member watches must not grow with events; " + a);
            members.backend.assertWatchers(b, 2, "member watches must not grow with events; " + b);
            bounded(runner, () -> {
                hb.release();
                return null;
            }, "releasing b", a, b);
            members.backend.eventually(w::isSet, "the set's watch must be set once every member is"
                    + " acquirable; " + a + " " + b);
            members.backend.eventually(() -> awaited.isDone() && waited.isDone(), "the set's"
                    + " awaitSet and whenAcquirable must complete once every member is acquirable");
        } finally {
            runner.shutdownNow();
        }
        members.backend.assertWatchers(a, 0, "closing the set's watch"
                + " and completing its wait must unregister every member watch; " + a + " " + b);
        members.backend.assertWatchers(b, 0, "closing the set's watch"
                + " and completing its wait must unregister every member watch; " + a + " " + b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void watch_clearedThenMemberReleaseLeavesSetAcquirable_setAgain(Members members) {
        // b's server acquisition may set its member watch, and so the set's
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        try (Watch w = set.watch(SHARED)) {
            members.backend.eventually(w::isSet, "set at creation: both leaves are free");
            w.clear();
            Handle h = b.tryAcquire(SHARED).orElseThrow();
            assertFalse(w.isSet(), "an acquisition must not set the set's watch");
            h.release();
            members.backend.eventually(w::isSet, "a member release that leaves the set acquirable"
                    + " must set the cleared watch again; " + a + " " + b);
        }
    }

    @ParameterizedTest
    @MethodSource("members")
    void watchAndWhenAcquirable_memberWithdrawalOrDowngrade_setAndCompleted(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle reader = a.tryAcquire(SHARED).orElseThrow();
        CompletableFuture<Handle> queued = a.acquire(EXCLUSIVE);
        Handle writer = b.tryAcquire(EXCLUSIVE).orElseThrow();
        try (Watch w = set.watch(SHARED)) {
            CompletableFuture<Void> waited = set.whenAcquirable(SHARED);
            assertTrue(queued.cancel(false));
            assertFalse(w.isSet() || waited.isDone(), "b is still EXCLUSIVE: the set is not"
                    + " SHARED-acquirable after the withdrawal on a; " + b);
            assertTrue(writer.downgrade());
            members.backend.eventually(w::isSet, "the withdrawal on a and the downgrade on b"
                    + " leave SHARED acquirable on every member: the set's watch must be set; " + a
                    + " " + b);
            members.backend.await(waited, "... and the set's whenAcquirable completed");
        }
        reader.release();
        writer.release();
        assertNone(a, b);
    }

    @ParameterizedTest
    @MethodSource("members")
    void close_setWatchWithPendingAwaitSet_cancelsItAndClosesMemberWatches(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle hb = b.tryAcquire(EXCLUSIVE).orElseThrow();
        Watch w = set.watch(SHARED);
        CompletableFuture<Void> pending = w.awaitSet();
        members.backend.assertWatchers(a, 1, "a set watch watches every member; " + a);
        w.close();
        w.close();
        assertTrue(pending.isCancelled(), "close() must cancel a pending awaitSet(): " + pending);
        assertTrue(w.awaitSet().isCancelled(), "awaitSet() on a closed watch is cancelled");
        members.backend.assertWatchers(a, 0, "close() must close every member watch; "
                + a + " " + b);
        members.backend.assertWatchers(b, 0, "close() must close every member watch; "
                + a + " " + b);
        hb.release();
        assertFalse(w.isSet(), "a closed set watch must not be set by a member release");
    }

    @ParameterizedTest
    @MethodSource("members")
    void watchCloseAndWhenAcquirableCancel_manyCycles_leaveNoMemberWatch(Members members) {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        Handle hb = b.tryAcquire(EXCLUSIVE).orElseThrow();
        // On PostgreSQL each member watch of the free leaf a looks at pg_locks once: 500 cycles
        // there, not to keep the library's shared session busy for the tests after this one.
        int cycles = members.backend.inOneJvm() ? 10_000 : 500;
        for (int i = 0; i < cycles; i++) {
            Watch w = set.watch(i % 2 == 0 ? SHARED : EXCLUSIVE);
            w.awaitSet();
            w.close();
            CompletableFuture<Void> f = set.whenAcquirable(EXCLUSIVE);
            if (!f.complete(null)) {
                fail("the set's whenAcquirable completed while b is held; " + b);
            }
        }
        members.backend.assertWatchers(a, 0, "closed set watches and given-up set waits must leave"
                + " no member watch; " + a);
        members.backend.assertWatchers(b, 0, "closed set watches and given-up set waits must leave"
                + " no member watch; " + b);
        CompletableFuture<Void> cancelled = set.whenAcquirable(EXCLUSIVE);
        assertTrue(cancelled.cancel(false));
        members.backend.assertWatchers(a, 0, "a cancelled set wait must leave no member"
                + " watch; " + a + " " + b);
        members.backend.assertWatchers(b, 0, "a cancelled set wait must leave no member"
                + " watch; " + a + " " + b);
        hb.release();
    }

    @ParameterizedTest
    @MethodSource("members")
    void acquire_withExecutor_completesAWaitingSetAcquisitionOnTheExecutor(Members members)
            throws Exception {
        MultiLock a = members.create();
        MultiLock b = members.create();
        MultiLockSet set = MultiLockSet.of(a, b);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "set-executor");
            t.setDaemon(true);
            return t;
        });
        try {
            Handle hb = b.tryAcquire(EXCLUSIVE).orElseThrow();
            CompletableFuture<Handle> f = set.acquire(EXCLUSIVE, executor);
            CompletableFuture<String> thread = f.thenApply(h -> Thread.currentThread().getName());
            hb.release();
            assertEquals("set-executor", thread.get(5, SECONDS), "a set acquisition that had to"
                    + " wait must be completed on the executor");
            f.get(5, SECONDS).release();
            assertNone(a, b);
        } finally {
            executor.shutdownNow();
        }
    }

    // ---- helpers ----

    private static final Pattern HOLDERS = Pattern.compile("\\[(NONE|SHARED|EXCLUSIVE),"
            + " holders=(\\d+),");

    /** Asserts a leaf's mode, holder count (from its toString) and queue length. */
    private static void assertState(
            MultiLock leaf, MultiLockType locked, int holders, int queued, String invariant) {
        String seen = leaf.toString();
        assertEquals(locked, leaf.locked(), invariant + ": mode; " + seen);
        assertEquals(queued, leaf.queueLength(), invariant + ": queue length; " + seen);
        Matcher m = HOLDERS.matcher(seen);
        if (m.find()) {
            assertEquals(holders, Integer.parseInt(m.group(2)), invariant + ": holders; "
                    + seen);
        } else {
            fail("the lock's toString no longer has '[TYPE, holders=N,': " + leaf);
        }
    }

    private static void assertNone(MultiLock... leaves) {
        for (MultiLock leaf : leaves) {
            assertState(leaf, NONE, 0, 0, "nothing may leak: every handle is released");
            Optional<Handle> h = leaf.tryAcquire(EXCLUSIVE);
            assertTrue(h.isPresent(), "nothing may leak: EXCLUSIVE must be free; " + leaf);
            h.get().release();
        }
    }

    private static void assertNpeNames(String parameter, Runnable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call::run);
        assertTrue(String.valueOf(e.getMessage()).contains(parameter), "the"
                + " NullPointerException must name the parameter '" + parameter + "': "
                + e.getMessage());
    }

    /** Runs {@code step} on {@code runner}; a step that does not return is a busy loop. */
    private static void bounded(ExecutorService runner, Callable<Void> step, String what,
            MultiLock a, MultiLock b) throws Exception {
        Future<Void> f = runner.submit(step);
        try {
            assertNull(f.get(5, SECONDS));
        } catch (TimeoutException e) {
            f.cancel(true);
            fail("busy loop: " + what + " did not return within 5 s; " + a + " " + b);
        }
    }
}
