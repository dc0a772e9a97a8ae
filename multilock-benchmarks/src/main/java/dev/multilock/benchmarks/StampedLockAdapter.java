package dev.multilock.benchmarks;

import java.util.concurrent.locks.StampedLock;

/**
 * {@link Contender#STAMPED}: a {@link StampedLock} through its {@link StampedLock#asReadLock()}
 * and {@link StampedLock#asWriteLock()} views, whose {@code unlock} needs no stamp. Passing the
 * {@code long} stamp through the {@code Object} token would box it and charge StampedLock an
 * allocation it does not make; the views take and drop the same holds with the same CAS.
 * Optimistic reads are not used: no other contender has them.
 */
final class StampedLockAdapter extends LockViewsAdapter {

    StampedLockAdapter() {
        this(new StampedLock());
    }

    private StampedLockAdapter(StampedLock lock) {
        super(lock.asReadLock(), lock.asWriteLock());
    }
}
