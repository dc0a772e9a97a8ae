package dev.multilock;

import dev.multilock.spi.AbstractMultiLock;
import dev.multilock.spi.LockPin;
import org.jspecify.annotations.Nullable;

/**
 * The leaves of a {@link MultiLockSet} as one set operation sees them: in the global order of
 * their {@link AbstractMultiLock#pin() pins}, which stay pinned, and so in the same order, until
 * {@link #unpin()}.
 */
final class PinnedLeaves {

    /** The leaves to acquire, in order; not to be modified. */
    private final AbstractMultiLock[] leaves;
    /** The pin of each leaf, same index. */
    private final LockPin[] pins;

    PinnedLeaves(AbstractMultiLock[] leaves, LockPin[] pins) {
        this.leaves = leaves;
        this.pins = pins;
    }

    /** The leaves in the order of their pins; the array is not to be modified. */
    AbstractMultiLock[] leaves() {
        return leaves;
    }

    /** Ends every pin; call once. */
    void unpin() {
        unpin(pins, pins.length);
    }

    /** Ends the pins {@code pins[0..count)}. */
    static void unpin(@Nullable LockPin[] pins, int count) {
        for (int i = 0; i < count; i++) {
            LockPin pin = pins[i];
            if (pin != null) {
                pin.unpin();
            }
        }
    }
}
