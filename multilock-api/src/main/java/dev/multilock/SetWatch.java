package dev.multilock;

import dev.multilock.spi.AbstractWatch;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link Watch} of a {@link MultiLockSet}: set when every leaf is acquirable.
 *
 * <p>It keeps one watch per leaf. Each time a leaf's watch is set (a release, withdrawal or
 * downgrade on that leaf left it acquirable), this watch clears it, checks every leaf, raises its
 * own flag if all are acquirable, and waits for the leaf's next event. So each leaf event causes
 * one check, and leaves that become acquirable one at a time never cause a busy loop.
 */
final class SetWatch extends AbstractWatch {

    private final MultiLockSet set;
    private final Watch[] leafWatches;

    SetWatch(MultiLockSet set, MultiLockType type) {
        super(type);
        this.set = set;
        var leaves = set.leaves();
        this.leafWatches = new Watch[leaves.length];
        for (int i = 0; i < leaves.length; i++) {
            leafWatches[i] = leaves[i].watch(type);
        }
        if (set.isAcquirable(type)) {
            raise();
        }
        for (Watch leaf : leafWatches) {
            listen(leaf);
        }
    }

    /** Checks the set on every event of {@code leaf}, until this watch is closed. */
    private void listen(Watch leaf) {
        while (!isClosed()) {
            leaf.clear();
            if (set.isAcquirable(type()) && raise()) {
                completeAwaiters();
            }
            CompletableFuture<Void> next = leaf.awaitSet();
            if (!next.isDone()) {
                // a leaf event after the clear completes it; a close of the leaf watch cancels it
                // (listen throws nothing, so the stage thenRun returns carries nothing to check)
                var unused = next.thenRun(() -> listen(leaf));
                return;
            }
            if (next.isCancelled()) {
                return;
            }
        }
    }

    @Override
    protected void onClose() {
        for (Watch leaf : leafWatches) {
            leaf.close();
        }
    }

    @Override
    public String toString() {
        return "Watch[" + type() + (isSet() ? ", set" : ", clear") + "] of " + set;
    }
}
