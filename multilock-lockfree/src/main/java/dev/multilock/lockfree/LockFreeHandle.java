package dev.multilock.lockfree;

import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.spi.AbstractHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A handle minted by {@link LockFreeMultiLock}: one acquisition, compared by identity.
 *
 * <p>The handle's only mutable state is its {@code mode} word, changed by CAS so that a handle
 * released by two threads at once is released once. The lock's state word, not the handle, counts
 * the holders; the handle only decides which call gets to subtract its hold.
 */
final class LockFreeHandle extends AbstractHandle {
    /*
     * Implementation notes.
     *
     * mode word (int; 0 at construction, so no write is needed to publish it):
     *
     *   bit  name         meaning
     *   0    RELEASED     the acquisition has been released; set once, by release()
     *   1    DOWNGRADING  downgrade() has claimed this exclusive handle
     *   2    DOWNGRADED   downgrade() has turned the lock's exclusive hold into a shared one
     *
     *   0 ──release()──> RELEASED
     *   0 ──downgrade()──> DOWNGRADING ──downgrade()──> DOWNGRADING|DOWNGRADED
     *                           │                              └──release()──> ..|RELEASED
     *                           └──release()──> DOWNGRADING|RELEASED (the downgrade then releases)
     *
     * The release that wins the RELEASED bit subtracts the hold the mode says (shared once
     * DOWNGRADED, else the granted type). A release that finds DOWNGRADING without DOWNGRADED
     * returns at once and leaves the subtraction to the downgrade in flight, which sees RELEASED
     * when it tries to set DOWNGRADED and then releases the shared hold it has just made. So no
     * thread waits, and the hold is subtracted exactly once.
     */

    static final int RELEASED = 1;
    static final int DOWNGRADING = 1 << 1;
    static final int DOWNGRADED = 1 << 2;

    final LockFreeMultiLock lock;
    /** The type the lock granted; {@link #type()} reports SHARED once downgraded. */
    final MultiLockType granted;
    @SuppressWarnings("unused") // accessed through MODE
    private volatile int mode;

    LockFreeHandle(LockFreeMultiLock lock, MultiLockType granted) {
        this.lock = lock;
        this.granted = granted;
    }

    @Override
    public MultiLock lock() {
        return lock.publicLock();
    }

    @Override
    public MultiLockType type() {
        return (mode & DOWNGRADING) != 0 ? MultiLockType.SHARED : granted;
    }

    @Override
    public boolean isHeld() {
        return (mode & RELEASED) == 0;
    }

    @Override
    public boolean release() {
        return lock.release(this);
    }

    @Override
    public boolean downgrade() {
        return lock.downgrade(this);
    }

    /**
     * Sets RELEASED and returns the mode before, in one atomic step; the caller that sees no
     * RELEASED bit in the result owns the release.
     */
    int markReleased() {
        return MODE.compareAndSet(this, 0, RELEASED)
                ? 0 // the common case: never downgraded; one CAS
                : (int) MODE.getAndBitwiseOr(this, RELEASED);
    }

    boolean casMode(int expected, int update) {
        return MODE.compareAndSet(this, expected, update);
    }

    @Override
    public String toString() {
        return "Handle[" + type() + (isHeld() ? ", held" : ", released") + "] of " + lock;
    }

    // VarHandle mechanics
    private static final VarHandle MODE;
    static {
        try {
            MODE = MethodHandles.lookup().findVarHandle(LockFreeHandle.class, "mode", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
