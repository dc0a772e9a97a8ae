package dev.multilock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The handle of a {@link MultiLockSet} acquisition: one leaf handle per leaf, released together.
 * Package-private: users see it only as a {@link Handle}.
 */
final class SetHandle implements Handle {

    private static final int RELEASED = 1;
    private static final int DOWNGRADED = 1 << 1;

    private final MultiLockSet set;
    private final MultiLockType granted;
    /** One per leaf, in the set's acquisition order; never modified after construction. */
    private final Handle[] leaves;
    @SuppressWarnings("unused") // accessed through MODE
    private volatile int mode;

    private SetHandle(MultiLockSet set, MultiLockType granted, Handle[] leaves) {
        this.set = set;
        this.granted = granted;
        this.leaves = leaves;
    }

    /**
     * Makes the handle of an acquisition that holds every leaf of {@code set}.
     *
     * @param held one handle per leaf, in the set's order; the array of an acquisition in
     *     progress, whose type admits nulls, but by now none is null
     */
    static SetHandle of(MultiLockSet set, MultiLockType granted, @Nullable Handle[] held) {
        Handle[] leaves = new Handle[held.length];
        for (int i = 0; i < held.length; i++) {
            leaves[i] = Objects.requireNonNull(held[i], "every leaf is held");
        }
        return new SetHandle(set, granted, leaves);
    }

    /** Releases {@code held[0..count)} in reverse order; nulls allowed past a failure. */
    static void releaseAll(@Nullable Handle[] held, int count) {
        for (int i = count - 1; i >= 0; i--) {
            if (held[i] != null) {
                held[i].release();
            }
        }
    }

    @Override
    public MultiLock lock() {
        return set;
    }

    @Override
    public MultiLockType type() {
        return (mode & DOWNGRADED) != 0 ? MultiLockType.SHARED : granted;
    }

    @Override
    public boolean isHeld() {
        return (mode & RELEASED) == 0;
    }

    /** Releases every leaf, once; the set's {@code release} checks ownership first. */
    boolean releaseLeaves() {
        if (((int) MODE.getAndBitwiseOr(this, RELEASED) & RELEASED) != 0) {
            return false;
        }
        releaseAll(leaves, leaves.length);
        return true;
    }

    @Override
    public boolean downgrade() {
        if (granted != MultiLockType.EXCLUSIVE || !MODE.compareAndSet(this, 0, DOWNGRADED)) {
            return false;
        }
        for (Handle leaf : leaves) {
            leaf.downgrade(); // false only if released meanwhile, which releases the rest too
        }
        return true;
    }

    @Override
    public String toString() {
        return "Handle[" + type() + (isHeld() ? ", held" : ", released") + "] of " + set;
    }

    // VarHandle mechanics
    private static final VarHandle MODE;
    static {
        try {
            MODE = MethodHandles.lookup().findVarHandle(SetHandle.class, "mode", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
