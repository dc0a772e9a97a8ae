package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link ReadWriteLock} view ({@code asReadWriteLock()}, API.md W2) behaves as the Javadoc of
 * {@link Lock} says, on each {@link WaitingBackend}, except where W2 says otherwise: it has no
 * owner thread (any thread unlocks a hold taken through the same {@code Lock}), it is not
 * reentrant, {@code tryLock()} keeps first-in, first-out order, and there are no conditions.
 * {@code readLock()} is SHARED and {@code writeLock()} EXCLUSIVE, so the two exclude each other as
 * the modes do.
 */
final class ReadWriteViewTest {

    /** The timeout of a {@code tryLock(time, unit)} that a test waits out, in milliseconds. */
    static final long SHORT_MILLIS = 20;

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void asReadWriteLock_calledTwice_returnsSameViewWithSameLocks(WaitingBackend backend) {
        MultiLock lock = backend.create().lock;

        ReadWriteLock view = lock.asReadWriteLock();

        assertSame(view, lock.asReadWriteLock(), "W2: asReadWriteLock() returns the same view"
                + " every time");
        assertSame(view.readLock(), view.readLock(), "the same read lock every time");
        assertSame(view.writeLock(), view.writeLock(), "the same write lock every time");
        assertNotSame(view.readLock(), view.writeLock());
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void readLock_lockedTwice_holdsSharedUntilUnlockedTwice(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock read = s.lock.asReadWriteLock().readLock();

        read.lock();
        read.lock();

        assertEquals(SHARED, s.lock.locked(), "W2: readLock() takes the lock SHARED");
        read.unlock();
        assertEquals(SHARED, s.lock.locked(), "W2: one unlock() releases one hold");
        read.unlock();
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void writeLock_lock_holdsExclusiveUntilUnlocked(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock write = s.lock.asReadWriteLock().writeLock();

        write.lock();

        assertEquals(EXCLUSIVE, s.lock.locked(), "W2: writeLock() takes the lock EXCLUSIVE");
        write.unlock();
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void readAndWriteLocks_eitherHeld_excludeEachOtherAsTheModesDo(WaitingBackend backend)
            throws InterruptedException {
        WaitingBackend.Subject s = backend.create();
        ReadWriteLock view = s.lock.asReadWriteLock();
        Lock read = view.readLock();
        Lock write = view.writeLock();

        read.lock();
        assertFalse(write.tryLock(), "rule 1: the write lock was taken beside a read hold");
        assertFalse(write.tryLock(1, TimeUnit.MILLISECONDS), "rule 1: the write lock was taken"
                + " beside a read hold");
        assertTrue(read.tryLock(), "rule 1: readers share the lock");
        read.unlock();
        read.unlock();

        write.lock();
        assertFalse(read.tryLock(), "rule 1: the read lock was taken beside a write hold");
        assertFalse(write.tryLock(), "rule 1: the write lock was taken twice");
        assertFalse(read.tryLock(1, TimeUnit.MILLISECONDS), "rule 1: the read lock was taken"
                + " beside a write hold");
        write.unlock();
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLock_whileRequestWaits_failsThoughHoldersAdmit(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock read = s.lock.asReadWriteLock().readLock();
        read.lock();
        CompletableFuture<Handle> writer = s.lock.acquire(EXCLUSIVE);

        boolean barged = read.tryLock();

        assertFalse(barged, "W2/rule 2: readLock().tryLock() barged past a waiting writer"
                + " (ReentrantReadWriteLock's non-fair tryLock would; this view keeps FIFO)");
        assertEquals(1, s.lock.queueLength(), "tryLock() queued");
        read.unlock();
        assertTrue(Grants.granted(writer).release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLockTimed_timesOut_returnsFalseAfterTimeoutWithdrawnAndHoldingNothing(
            WaitingBackend backend) throws InterruptedException {
        WaitingBackend.Subject s = backend.create();
        Lock read = s.lock.asReadWriteLock().readLock();
        Handle holder = take(s.lock, EXCLUSIVE);

        long start = System.nanoTime();
        boolean got = read.tryLock(SHORT_MILLIS, TimeUnit.MILLISECONDS);
        long waited = System.nanoTime() - start;

        assertFalse(got, "rule 1: the read lock was taken beside an EXCLUSIVE holder");
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(SHORT_MILLIS), "Lock.tryLock(time,"
                + " unit): gave up after " + waited + " ns, before its time of " + SHORT_MILLIS
                + " ms");
        assertEquals(0, s.lock.queueLength(), "rule 3: the timed-out request is still counted");
        assertThrows(IllegalMonitorStateException.class, read::unlock, "W2: a timed-out"
                + " tryLock left a hold to unlock");
        assertTrue(holder.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void tryLockTimed_nonPositiveTime_doesNotWait(WaitingBackend backend)
            throws InterruptedException {
        WaitingBackend.Subject s = backend.create();
        ReadWriteLock view = s.lock.asReadWriteLock();

        assertTrue(view.writeLock().tryLock(0, TimeUnit.SECONDS), "Lock.tryLock(0, unit) of a"
                + " free lock takes it");
        assertFalse(view.readLock().tryLock(-1, TimeUnit.DAYS), "Lock.tryLock(-1, unit) beside a"
                + " write hold");
        assertEquals(0, s.lock.queueLength(), "Lock.tryLock(time <= 0, unit) queued a request");
        view.writeLock().unlock();
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void unlock_withoutHoldTakenThroughThatLock_throwsIllegalMonitorStateAndChangesNothing(
            WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        ReadWriteLock view = s.lock.asReadWriteLock();
        Lock read = view.readLock();
        Lock write = view.writeLock();

        assertThrows(IllegalMonitorStateException.class, read::unlock, "W2: unlock() with no"
                + " hold");
        assertThrows(IllegalMonitorStateException.class, write::unlock, "W2: unlock() with no"
                + " hold");
        assertEquals(NONE, s.lock.locked());

        read.lock();
        assertThrows(IllegalMonitorStateException.class, write::unlock, "W2: the write lock"
                + " unlocked a hold taken through the read lock");
        assertEquals(SHARED, s.lock.locked(), "W2: a failed unlock() changed the lock");
        read.unlock();
        assertThrows(IllegalMonitorStateException.class, read::unlock, "W2: a second unlock() of"
                + " one hold");

        Handle direct = take(s.lock, EXCLUSIVE);
        assertThrows(IllegalMonitorStateException.class, write::unlock, "W2: the write lock"
                + " unlocked a hold not taken through it");
        assertTrue(direct.isHeld(), "W2: a failed unlock() released a hold");
        assertEquals(EXCLUSIVE, s.lock.locked());
        assertTrue(direct.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void unlock_fromAnotherThread_releasesTheHold(WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock write = s.lock.asReadWriteLock().writeLock();
        write.lock();

        BlockedCall<Void> other = BlockedCall.<Void>start("multilock-unlock", () -> {
            write.unlock();
            return null;
        });
        other.result();

        assertEquals(NONE, s.lock.locked(), "W2: no owner thread: unlock() from another thread"
                + " releases the hold");
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void writeLock_lockedAgainByHolder_waitsForItselfUntilUnlockedElsewhere(
            WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock write = s.lock.asReadWriteLock().writeLock();

        BlockedCall<Void> twice = BlockedCall.<Void>start("multilock-write-twice", () -> {
            write.lock();
            write.lock(); // not reentrant: waits for the first hold
            return null;
        }).awaitParked();
        assertEquals(1, s.lock.queueLength(), "W2: not reentrant: the second lock() waits");
        write.unlock(); // one of the two holds, from this thread
        twice.result();

        assertEquals(EXCLUSIVE, s.lock.locked(), "the second hold");
        write.unlock();
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lock_interruptedWhileWaiting_keepsWaitingAndReturnsWithInterruptStatusSet(
            WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock read = s.lock.asReadWriteLock().readLock();
        Handle holder = take(s.lock, EXCLUSIVE);
        BlockedCall<Void> blocked = BlockedCall.<Void>start("multilock-read-lock", () -> {
            read.lock();
            return null;
        }).awaitParked();

        blocked.interrupt();
        blocked.awaitParkedAgainAfterInterrupt();
        assertEquals(1, s.lock.queueLength(), "Lock.lock(): an interrupt withdrew the request");
        assertTrue(holder.release());
        blocked.result();

        assertTrue(blocked.interruptedAtEnd(), "Lock.lock() returned without the interrupt status"
                + " set again");
        assertEquals(SHARED, s.lock.locked());
        read.unlock();
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lockInterruptiblyAndTimedTryLock_interruptStatusSet_throwAtOnceWithoutRequest(
            WaitingBackend backend) {
        WaitingBackend.Subject s = backend.create();
        Lock write = s.lock.asReadWriteLock().writeLock();

        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, write::lockInterruptibly, "W4/Lock: the"
                + " interrupt status was set on entry");
        assertFalse(Thread.interrupted(), "W4/Lock: InterruptedException left the status set");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> write.tryLock(1, TimeUnit.DAYS),
                "W4/Lock: the interrupt status was set on entry");
        assertFalse(Thread.interrupted(), "W4/Lock: InterruptedException left the status set");

        assertEquals(NONE, s.lock.locked(), "W4: a request was made");
        assertThrows(IllegalMonitorStateException.class, write::unlock, "W2: a hold was kept");
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void lockInterruptibly_interruptedWhileWaiting_throwsWithdrawnAndHoldingNothing(
            WaitingBackend backend) throws InterruptedException {
        WaitingBackend.Subject s = backend.create();
        Lock write = s.lock.asReadWriteLock().writeLock();
        Handle holder = take(s.lock, SHARED);
        BlockedCall<Void> blocked = BlockedCall.<Void>start("multilock-write", () -> {
            write.lockInterruptibly();
            return null;
        }).awaitParked();
        CompletableFuture<Handle> behind = s.lock.acquire(SHARED);

        blocked.interrupt();

        assertInstanceOf(InterruptedException.class, blocked.failure(), "W4/Lock:"
                + " lockInterruptibly() interrupted while waiting");
        assertFalse(blocked.interruptedAtEnd(), "W4/Lock: InterruptedException left the status"
                + " set");
        Handle let = Grants.grantedWithin(behind, "rule 3: the reader behind the interrupted"
                + " writer was not let in; " + s.lock);
        assertEquals(0, s.lock.queueLength(), "rule 3: the interrupted request is still counted");
        assertThrows(IllegalMonitorStateException.class, write::unlock, "W2: an interrupted"
                + " lockInterruptibly() left a hold to unlock");
        assertTrue(let.release() && holder.release());
        s.assertAtRest();
    }

    @ParameterizedTest
    @EnumSource(WaitingBackend.class)
    void newCondition_eitherLock_throwsUnsupportedOperation(WaitingBackend backend) {
        ReadWriteLock view = backend.create().lock.asReadWriteLock();

        assertThrows(UnsupportedOperationException.class, view.readLock()::newCondition,
                "W2: no conditions");
        assertThrows(UnsupportedOperationException.class, view.writeLock()::newCondition,
                "W2: no conditions");
    }

    /**
     * K1 says the locks {@code get} returns for equal keys are one lock, and W2 that a lock's view
     * is the same every time: so a hold taken through the view of one {@code get(key)} is
     * unlocked through the view of another, as code that fetches the key's lock where it locks and
     * again where it unlocks does.
     */
    @Test
    void asReadWriteLock_ofTwoGetsOfOneKey_isOneViewThatUnlocksEitherWay() {
        KeyedMultiLock<TestKey> family = KeyedMultiLock.create();

        family.get(TestKey.of(1)).asReadWriteLock().writeLock().lock();
        Lock writeOfAnotherGet = family.get(TestKey.of(1)).asReadWriteLock().writeLock();

        try {
            writeOfAnotherGet.unlock();
        } catch (IllegalMonitorStateException e) {
            throw new AssertionError("K1 and W2: the write lock of another get(k1)'s view could"
                    + " not unlock a hold taken through the view of get(k1): the views of one"
                    + " key's lock are not one view, so the hold stays taken; "
                    + family.get(TestKey.of(1)), e);
        }
        assertEquals(NONE, family.get(TestKey.of(1)).locked());
        assertEquals(0, family.size(), "K2: a view keeps no state alive");
    }
}
