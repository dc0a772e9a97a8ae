package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.granted;
import static dev.multilock.tests.Grants.take;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockSet;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link KeyedMultiLock}: the rules K1 to K6 of API.md, one group of tests per rule, each test
 * named after the rule it checks, on one thread. The concurrent side of K3 (the drop racing an
 * acquisition) is for the Lincheck, property and stress suites; the memory side of K2 for
 * {@link KeyedMemoryTest}.
 */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
final class KeyedMultiLockTest {

    private final KeyedMultiLock<String> family = KeyedMultiLock.create();

    // ---- creation and bad input ----

    @Test
    void create_newFamily_hasNoKeys() {
        assertEquals(0, family.size());
        assertNotSame(family, KeyedMultiLock.create(), "each create() is a new family");
    }

    @Test
    void get_nullKey_throwsNamingKey() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> family.get(null));
        assertEquals("key", e.getMessage());
        assertEquals(0, family.size());
    }

    @Test
    void get_createsNoState() {
        MultiLock a = family.get("a");
        assertEquals(0, family.size(), "get alone keeps no state");
        assertEquals(NONE, a.locked());
        assertEquals(0, a.queueLength());
        assertEquals(0, family.size(), "reading keeps no state");
    }

    @Test
    void keyedLock_nullArguments_throwNamingParameterAndChangeNothing() {
        MultiLock a = family.get("a");
        Handle h = take(a, SHARED);
        assertEquals("type",
                assertThrows(NullPointerException.class, () -> a.acquire(null)).getMessage());
        assertEquals("type", assertThrows(NullPointerException.class,
                () -> a.acquire(null, Runnable::run)).getMessage());
        assertEquals("executor", assertThrows(NullPointerException.class,
                () -> a.acquire(SHARED, null)).getMessage());
        assertEquals("type",
                assertThrows(NullPointerException.class, () -> a.tryAcquire(null)).getMessage());
        assertEquals("handle",
                assertThrows(NullPointerException.class, () -> a.release(null)).getMessage());
        assertEquals("type",
                assertThrows(NullPointerException.class, () -> a.watch(null)).getMessage());
        assertEquals("type", assertThrows(NullPointerException.class,
                () -> a.whenAcquirable(null)).getMessage());
        assertEquals("action", assertThrows(NullPointerException.class,
                () -> a.withLock(SHARED, null)).getMessage());
        assertEquals(SHARED, a.locked());
        assertEquals(1, family.size());
        h.release();
        assertEquals(0, family.size());
    }

    // ---- K1: one lock per key ----

    @Test
    void k1_equalKeys_areOneLock() {
        MultiLock a1 = family.get("a");
        MultiLock a2 = family.get(new String("a"));
        assertEquals(a1, a2);
        assertEquals(a1.hashCode(), a2.hashCode());
        Handle writer = take(a1, EXCLUSIVE);
        assertEquals(EXCLUSIVE, a2.locked());
        assertTrue(a2.tryAcquire(SHARED).isEmpty(), "K1: the writer of a1 keeps a2's reader out");
        CompletableFuture<Handle> reader = a2.acquire(SHARED);
        assertEquals(1, a1.queueLength(), "K1: a request through a2 waits in a1's queue");
        writer.release();
        Handle r = granted(reader);
        assertEquals(SHARED, a1.locked());
        r.release();
        assertEquals(0, family.size());
    }

    @Test
    void k1_unequalKeys_neverWaitForEachOther() {
        MultiLock a = family.get("a");
        MultiLock b = family.get("b");
        assertNotEquals(a, b);
        Handle ha = take(a, EXCLUSIVE);
        Handle hb = take(b, EXCLUSIVE);
        assertEquals(2, family.size());
        ha.release();
        hb.release();
        assertEquals(0, family.size());
    }

    @Test
    void k1_unequalKeysWithEqualHashCodes_neverWaitForEachOther() {
        KeyedMultiLock<CollidingKey> colliding = KeyedMultiLock.create();
        MultiLock a = colliding.get(new CollidingKey("a"));
        MultiLock b = colliding.get(new CollidingKey("b"));
        assertEquals(new CollidingKey("a").hashCode(), new CollidingKey("b").hashCode());
        assertNotEquals(a, b, "K1: equal hash codes do not make keys one lock");
        Handle ha = take(a, EXCLUSIVE);
        Handle hb = take(b, EXCLUSIVE);
        assertEquals(EXCLUSIVE, a.locked());
        assertEquals(EXCLUSIVE, b.locked());
        ha.release();
        assertEquals(NONE, a.locked());
        assertEquals(EXCLUSIVE, b.locked());
        hb.release();
        assertEquals(0, colliding.size());
    }

    @Test
    void k1_sameKeyOfTwoFamilies_areTwoLocks() {
        KeyedMultiLock<String> other = KeyedMultiLock.create();
        assertNotEquals(family.get("a"), other.get("a"));
        Handle h1 = take(family.get("a"), EXCLUSIVE);
        Handle h2 = take(other.get("a"), EXCLUSIVE);
        h1.release();
        h2.release();
    }

    @Test
    void k1_fifoAcrossViews_servedInArrivalOrder() {
        Handle writer = take(family.get("k"), EXCLUSIVE);
        List<CompletableFuture<Handle>> queue = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            CompletableFuture<Handle> f = family.get("k").acquire(EXCLUSIVE);
            f.thenRun(() -> order.add("#" + n));
            queue.add(f);
        }
        assertEquals(5, family.get("k").queueLength());
        writer.release();
        for (CompletableFuture<Handle> f : queue) {
            granted(f).release();
        }
        assertEquals(List.of("#0", "#1", "#2", "#3", "#4"), order, "K1/K6: FIFO per key");
        assertEquals(0, family.size());
    }

    @Test
    void k1_toString_namesTheKeyAndState() {
        MultiLock a = family.get("order-42");
        assertTrue(a.toString().contains("order-42"), a.toString());
        assertTrue(a.toString().contains("NONE"), a.toString());
        Handle h = take(a, EXCLUSIVE);
        assertTrue(a.toString().contains("EXCLUSIVE"), a.toString());
        assertTrue(h.toString().contains("order-42"), h.toString());
        h.release();
        assertTrue(family.toString().contains("keys=0"), family.toString());
    }

    // ---- K2: state only while in use ----

    @Test
    void k2_heldKey_countedUntilReleased() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        assertEquals(1, family.size());
        assertTrue(h.release());
        assertEquals(0, family.size());
        assertFalse(h.release(), "rule 5: twice is harmless");
        assertEquals(0, family.size());
    }

    @Test
    void k2_eachModeHeld_countedUntilReleased() {
        for (MultiLockType type : MultiLockType.values()) {
            // a NONE hold first, since nothing enters beside an EXCLUSIVE one
            Handle now = take(family.get("a"), type == EXCLUSIVE ? NONE : type);
            Handle async = granted(family.get("a").acquire(type));
            assertEquals(1, family.size(), type.toString());
            async.release();
            assertEquals(1, family.size(), "K2: still held by the second: " + type);
            now.release();
            assertEquals(0, family.size(), "K2: " + type);
        }
    }

    @Test
    void k2_queuedKey_countedUntilGrantedAndReleased() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> waiting = family.get("a").acquire(SHARED);
        writer.release();
        assertEquals(1, family.size(), "K2: the granted waiter holds the key");
        granted(waiting).release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_queuedKey_droppedAfterCancellation() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> waiting = family.get("a").acquire(EXCLUSIVE);
        writer.release();
        Handle second = granted(waiting);
        CompletableFuture<Handle> cancelled = family.get("a").acquire(SHARED);
        assertTrue(cancelled.cancel(false));
        assertEquals(1, family.size(), "K2: the holder keeps the key");
        second.release();
        assertEquals(0, family.size(), "K2: a cancelled request keeps nothing");
    }

    @Test
    void k2_onlyAWaiterLeft_droppedAfterItsCancellation() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> waiting = family.get("a").acquire(EXCLUSIVE);
        assertEquals(1, family.size());
        // the writer's release grants the waiter; cancel the waiter before: only it keeps the key
        assertTrue(waiting.cancel(false));
        assertEquals(1, family.size(), "the writer still holds");
        writer.release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_queuedKey_droppedAfterTimeout() throws Exception {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> waiting =
                family.get("a").acquire(EXCLUSIVE).orTimeout(10, MILLISECONDS);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> waiting.get(5, SECONDS));
        assertTrue(e.getCause() instanceof TimeoutException);
        // the request withdraws itself before its future completes, so this is exact
        assertEquals(0, family.get("a").queueLength());
        assertEquals(1, family.size(), "only the writer keeps the key: " + family);
        writer.release();
        assertEquals(0, family.size(), "K2: a timed-out request keeps nothing: " + family);
    }

    @Test
    void k2_queuedKey_droppedAfterCompleteExceptionallyFromOutside() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> waiting = family.get("a").acquire(SHARED);
        assertTrue(waiting.completeExceptionally(new IllegalStateException("outside")));
        writer.release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_watchedKey_countedUntilClosed() {
        Watch w = family.get("a").watch(EXCLUSIVE);
        assertTrue(w.isSet(), "an idle key is acquirable");
        assertEquals(1, family.size(), "K2: an open watch keeps the key");
        Handle h = take(family.get("a"), EXCLUSIVE);
        w.clear();
        h.release();
        assertTrue(w.isSet(), "the watch hears the release");
        assertEquals(1, family.size());
        w.close();
        assertEquals(0, family.size(), "K2: closing the last watch drops the key");
        w.close();
        assertEquals(0, family.size(), "closing twice changes nothing");
    }

    @Test
    void k2_awaitedKey_countedUntilComplete() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Void> free = family.get("a").whenAcquirable(SHARED);
        assertFalse(free.isDone());
        assertEquals(1, family.size());
        h.release();
        assertTrue(free.isDone());
        assertEquals(0, family.size(), "K2: a completed whenAcquirable keeps nothing");
    }

    @Test
    void k2_awaitedKey_droppedAfterCancellation() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Void> free = family.get("a").whenAcquirable(SHARED);
        h.release();
        assertEquals(0, family.size());
        Handle again = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Void> cancelled = family.get("a").whenAcquirable(EXCLUSIVE);
        assertTrue(cancelled.cancel(false));
        assertTrue(free.isDone());
        again.release();
        assertEquals(0, family.size(), "K2: a cancelled whenAcquirable keeps nothing");
    }

    @Test
    void k2_whenAcquirableOfIdleKey_completesAtOnceKeepingNothing() {
        assertTrue(family.get("a").whenAcquirable(EXCLUSIVE).isDone());
        assertEquals(0, family.size());
        Handle reader = take(family.get("a"), SHARED);
        assertTrue(family.get("a").whenAcquirable(SHARED).isDone());
        assertEquals(1, family.size(), "only the reader keeps the key");
        reader.release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_failedTryAcquire_keepsNothing() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        assertTrue(family.get("a").tryAcquire(SHARED).isEmpty());
        h.release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_downgradedHold_countedUntilReleased() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> reader = family.get("a").acquire(SHARED);
        assertTrue(h.downgrade());
        Handle r = granted(reader);
        assertEquals(1, family.size());
        h.release();
        assertEquals(1, family.size());
        r.release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_viewHeldAfterDrop_stillWorks() {
        MultiLock a = family.get("a");
        take(a, EXCLUSIVE).release();
        assertEquals(0, family.size());
        Handle again = take(a, EXCLUSIVE);
        assertEquals(EXCLUSIVE, family.get("a").locked(), "K2: the old view finds the new state");
        again.release();
        assertEquals(0, family.size());
    }

    @Test
    void k2_withLock_countedUntilTheActionsStageCompletes() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = family.get("a").withLock(EXCLUSIVE, () -> stage);
        assertEquals(1, family.size());
        stage.complete("done");
        assertEquals("done", result.join());
        assertEquals(0, family.size());
    }

    @Test
    void k2_executorRejectsTheGrant_keepsNothing() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        Executor rejecting = task -> {
            throw new RejectedExecutionException("full");
        };
        CompletableFuture<Handle> waiting = family.get("a").acquire(SHARED, rejecting);
        writer.release();
        assertTrue(waiting.isCompletedExceptionally());
        assertEquals(0, family.size(), "K2: a grant given back keeps nothing: " + family);
    }

    @Test
    void k2_releaseInsideContinuation_dropsTheKey() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Boolean> released =
                family.get("a").acquire(EXCLUSIVE).thenApply(Handle::release);
        writer.release();
        assertTrue(released.join());
        assertEquals(0, family.size());
    }

    // ---- K3: no second live state ----

    @Test
    void k3_releaseWhileAnotherIsQueued_grantsTheQueuedOnTheSameState() {
        Handle first = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> second = family.get("a").acquire(EXCLUSIVE);
        first.release();
        Handle h = granted(second);
        assertTrue(family.get("a").tryAcquire(EXCLUSIVE).isEmpty(),
                "K3: a newcomer after the drop-free hand-off must see the second holder");
        assertTrue(family.get("a").tryAcquire(NONE).isEmpty());
        h.release();
        assertEquals(0, family.size());
    }

    @Test
    void k3_newAcquisitionAfterDrop_isAFreshLock() {
        for (int i = 0; i < 100; i++) {
            Handle h = take(family.get("a"), EXCLUSIVE);
            assertTrue(family.get("a").tryAcquire(SHARED).isEmpty(), "K3: round " + i);
            h.release();
            assertEquals(0, family.size(), "round " + i);
        }
    }

    // ---- K4: handles ----

    @Test
    void k4_handleLock_equalsTheKeysLock() {
        Handle h = take(family.get("a"), SHARED);
        assertEquals(family.get("a"), h.lock());
        assertEquals(h.lock(), family.get("a"));
        assertEquals(family.get("a").hashCode(), h.lock().hashCode());
        h.release();
        assertEquals(family.get("a"), h.lock(), "K4: still after the release");
    }

    @Test
    void k4_handleReleasedThroughAnyLockOfItsKey() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        assertTrue(family.get(new String("a")).release(h));
        assertFalse(family.get("a").release(h), "rule 5: twice is false");
        assertFalse(h.lock().release(h));
        assertEquals(0, family.size());
    }

    @Test
    void k4_handleOfAnotherKey_rejectedChangingNothing() {
        Handle h = take(family.get("a"), EXCLUSIVE);
        assertThrows(IllegalArgumentException.class, () -> family.get("b").release(h));
        assertTrue(h.isHeld());
        assertEquals(EXCLUSIVE, family.get("a").locked());
        assertEquals(1, family.size(), "K4: a rejected release creates no state for b");
        h.release();
    }

    @Test
    void k4_handleOfAnotherFamilyOrAPlainLock_rejected() {
        KeyedMultiLock<String> other = KeyedMultiLock.create();
        Handle theirs = take(other.get("a"), EXCLUSIVE);
        assertThrows(IllegalArgumentException.class, () -> family.get("a").release(theirs));
        MultiLock plain = MultiLock.create();
        Handle plainHandle = take(plain, EXCLUSIVE);
        assertThrows(IllegalArgumentException.class, () -> family.get("a").release(plainHandle));
        Handle ours = take(family.get("a"), EXCLUSIVE);
        assertThrows(IllegalArgumentException.class, () -> plain.release(ours));
        assertTrue(theirs.isHeld() && plainHandle.isHeld() && ours.isHeld());
        theirs.release();
        plainHandle.release();
        ours.release();
        assertEquals(0, family.size());
    }

    @Test
    void k4_handleOfEqualHashCodeKey_rejected() {
        KeyedMultiLock<CollidingKey> colliding = KeyedMultiLock.create();
        Handle h = take(colliding.get(new CollidingKey("a")), EXCLUSIVE);
        assertThrows(IllegalArgumentException.class,
                () -> colliding.get(new CollidingKey("b")).release(h));
        assertTrue(h.release());
    }

    @Test
    void k4_releasedHandleOfDroppedState_releaseIsFalseAndChangesNothing() {
        Handle old = take(family.get("a"), EXCLUSIVE);
        old.release();
        Handle current = take(family.get("a"), EXCLUSIVE);
        assertFalse(family.get("a").release(old), "K4: a stale handle releases nothing");
        assertFalse(old.downgrade());
        assertEquals(EXCLUSIVE, family.get("a").locked());
        assertTrue(current.release());
    }

    // ---- K5: sets ----

    @Test
    void k5_setOfKeyedAndPlainLocks_allOrNothing() {
        MultiLock plain = MultiLock.create();
        MultiLockSet set = MultiLockSet.of(family.get("a"), plain, family.get("b"));
        Handle h = set.tryAcquire(EXCLUSIVE).orElseThrow();
        assertEquals(EXCLUSIVE, family.get("a").locked());
        assertEquals(EXCLUSIVE, family.get("b").locked());
        assertEquals(EXCLUSIVE, plain.locked());
        assertEquals(2, family.size());
        h.release();
        assertEquals(0, family.size(), "K2: the set's pins are gone with its acquisition");
        Handle blocker = take(family.get("b"), SHARED);
        assertTrue(set.tryAcquire(EXCLUSIVE).isEmpty());
        assertEquals(NONE, family.get("a").locked(), "all or nothing");
        assertEquals(NONE, plain.locked());
        assertEquals(1, family.size(), "K2: a failed set tryAcquire keeps no other key");
        blocker.release();
        assertEquals(0, family.size());
    }

    @Test
    void k5_equalKeysInOneSet_collapse() {
        MultiLockSet set = MultiLockSet.of(family.get("a"), family.get(new String("a")));
        Handle h = set.tryAcquire(EXCLUSIVE).orElseThrow(
                () -> new AssertionError("K5: two views of one key must count once"));
        h.release();
        MultiLockSet nested = MultiLockSet.of(MultiLockSet.of(family.get("a"), family.get("b")),
                MultiLockSet.of(family.get("b")));
        granted(nested.acquire(EXCLUSIVE)).release();
        assertEquals(0, family.size());
    }

    @Test
    void k5_waitingSetAcquisition_keepsItsKeysUntilDone() {
        Handle blocker = take(family.get("b"), EXCLUSIVE);
        MultiLockSet set = MultiLockSet.of(family.get("a"), family.get("b"), family.get("c"));
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        assertFalse(f.isDone());
        assertEquals(1, set.queueLength());
        assertTrue(family.size() >= 2, "K2: the waiting set pins its keys: " + family);
        blocker.release();
        Handle h = granted(f);
        assertEquals(3, family.size());
        h.release();
        assertEquals(0, family.size(), "K2: nothing left after the set's handle is released");
    }

    @Test
    void k5_setWaitingBeforeItsKeys_pinsKeysItHasNotReached() {
        MultiLock plain = MultiLock.create(); // ordered before any key's state: created first
        Handle blocker = take(plain, EXCLUSIVE);
        MultiLockSet set = MultiLockSet.of(family.get("a"), plain, family.get("b"));
        CompletableFuture<Handle> f = set.acquire(EXCLUSIVE);
        assertFalse(f.isDone());
        assertEquals(NONE, family.get("a").locked(), "the set waits on the plain lock first");
        assertEquals(2, family.size(), "K2/K5: the waiting set pins the keys it has not reached,"
                + " so their place in the order stays fixed: " + family);
        blocker.release();
        granted(f).release();
        assertEquals(0, family.size());
    }

    @Test
    void k5_cancelledSetAcquisition_leavesNoKey() {
        Handle blocker = take(family.get("b"), EXCLUSIVE);
        MultiLockSet set = MultiLockSet.of(family.get("c"), family.get("b"), family.get("a"));
        CompletableFuture<Handle> f = set.acquire(SHARED);
        assertTrue(f.cancel(false));
        assertEquals(1, family.size(), "K2: only the blocker's key is left: " + family);
        blocker.release();
        assertEquals(0, family.size());
    }

    @Test
    void k5_setWatchOfKeys_keepsThemUntilClosed() {
        MultiLockSet set = MultiLockSet.of(family.get("a"), family.get("b"));
        Watch w = set.watch(EXCLUSIVE);
        assertTrue(w.isSet());
        assertEquals(2, family.size());
        Handle h = take(family.get("a"), EXCLUSIVE);
        w.clear();
        h.release();
        assertTrue(w.isSet(), "the set watch hears a release of a key");
        w.close();
        assertEquals(0, family.size());
        assertTrue(set.whenAcquirable(EXCLUSIVE).isDone());
        assertEquals(0, family.size());
    }

    @Test
    void k5_oppositeOrdersOfConstantHashKeys_noDeadlock() {
        KeyedMultiLock<CollidingKey> colliding = KeyedMultiLock.create();
        MultiLock plain = MultiLock.create();
        CollidingKey x = new CollidingKey("x");
        CollidingKey y = new CollidingKey("y");
        for (int round = 0; round < 200; round++) {
            // fresh views each round: the keys' states were dropped in between
            MultiLockSet one = MultiLockSet.of(colliding.get(x), plain, colliding.get(y));
            MultiLockSet two = MultiLockSet.of(colliding.get(y), colliding.get(x), plain);
            Handle blocker = take(colliding.get(y), EXCLUSIVE);
            CompletableFuture<Handle> f1 = one.acquire(EXCLUSIVE);
            CompletableFuture<Handle> f2 = two.acquire(EXCLUSIVE);
            blocker.release();
            Handle h1 = f1.isDone() ? f1.join() : null;
            Handle h2 = f2.isDone() ? f2.join() : null;
            assertTrue(h1 != null ^ h2 != null, "K5: exactly one set holds: round " + round);
            (h1 != null ? h1 : h2).release();
            granted(h1 != null ? f2 : f1).release();
            assertEquals(0, colliding.size(), "round " + round);
            assertEquals(NONE, plain.locked());
        }
    }

    @Test
    void k5_setHandleLeaves_releaseThroughTheSetOnly() {
        MultiLockSet set = MultiLockSet.of(family.get("a"));
        Handle h = set.tryAcquire(SHARED).orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> family.get("a").release(h));
        assertTrue(h.release());
        assertEquals(0, family.size());
    }

    // ---- K6: every rule of MultiLock per key ----

    @Test
    void k6_noBarging_readerWaitsBehindQueuedWriter() {
        Handle reader = take(family.get("a"), SHARED);
        CompletableFuture<Handle> writer = family.get("a").acquire(EXCLUSIVE);
        assertEquals(Optional.empty(), family.get("a").tryAcquire(SHARED), "rule 2 per key");
        CompletableFuture<Handle> reader2 = family.get("a").acquire(SHARED);
        reader.release();
        Handle w = granted(writer);
        assertFalse(reader2.isDone());
        w.release();
        granted(reader2).release();
        assertEquals(0, family.size());
    }

    @Test
    void k6_noneMode_waitsOnlyForExclusive() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        assertTrue(family.get("a").tryAcquire(NONE).isEmpty());
        writer.release();
        Handle none = take(family.get("a"), NONE);
        assertEquals(NONE, family.get("a").locked(), "a NONE hold does not show");
        assertEquals(1, family.size(), "K2: but it keeps the key");
        Handle exclusive = take(family.get("a"), EXCLUSIVE);
        exclusive.release();
        none.release();
        assertEquals(0, family.size());
    }

    @Test
    void k6_downgrade_letsSharedWaitersIn() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> reader = family.get("a").acquire(SHARED);
        assertTrue(writer.downgrade());
        assertEquals(SHARED, writer.type());
        Handle r = granted(reader);
        writer.release();
        r.release();
        assertEquals(0, family.size());
    }

    @Test
    void k6_downgradeOfSoleHolder_thenRelease_dropsKey() {
        Handle writer = take(family.get("a"), EXCLUSIVE);
        assertTrue(writer.downgrade());
        assertEquals(SHARED, family.get("a").locked());
        assertTrue(writer.release());
        assertEquals(NONE, family.get("a").locked());
        assertEquals(0, family.size());
    }

    @Test
    void k6_stackSafety_longChainOfHandOffsOnOneKey() {
        Handle first = take(family.get("a"), EXCLUSIVE);
        int n = 100_000;
        List<CompletableFuture<Boolean>> chain = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            chain.add(family.get("a").acquire(EXCLUSIVE).thenApply(Handle::release));
        }
        first.release();
        for (CompletableFuture<Boolean> f : chain) {
            assertTrue(f.join());
        }
        assertEquals(0, family.size());
    }

    @Test
    void k6_executor_waiterCompletedOnIt() {
        List<Runnable> tasks = new ArrayList<>();
        Handle writer = take(family.get("a"), EXCLUSIVE);
        CompletableFuture<Handle> f = family.get("a").acquire(SHARED, tasks::add);
        writer.release();
        assertFalse(f.isDone(), "completed on the executor, not here");
        assertEquals(1, tasks.size());
        tasks.get(0).run();
        granted(f).release();
        assertEquals(0, family.size());
    }

    /** A key whose hash code is the same for every instance, and equal only by name. */
    record CollidingKey(String name) {
        @Override
        public int hashCode() {
            return 42;
        }
    }
}
