package dev.multilock.benchmarks;

import dev.multilock.MultiLock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * {@link Contender#MULTILOCK_RWVIEW}: multilock through its {@link ReadWriteLock} view
 * ({@code MultiLock.asReadWriteLock()}), the one-line switch for code written against
 * {@code ReentrantReadWriteLock}: {@code readLock()}/{@code writeLock()}, then {@code tryLock()}
 * or {@code lock()}, and {@code unlock()}. The view keeps each hold's handle itself, so the token
 * is the view's {@code Lock}, as for the JDK locks; what keeping the handles costs is part of the
 * score.
 */
final class ReadWriteViewAdapter extends LockViewsAdapter {

    private final MultiLock multiLock;

    ReadWriteViewAdapter() {
        this(MultiLock.create());
    }

    private ReadWriteViewAdapter(MultiLock multiLock) {
        super(multiLock.asReadWriteLock().readLock(), multiLock.asReadWriteLock().writeLock());
        this.multiLock = multiLock;
    }

    @Override
    public String toString() {
        return multiLock.toString();
    }
}
