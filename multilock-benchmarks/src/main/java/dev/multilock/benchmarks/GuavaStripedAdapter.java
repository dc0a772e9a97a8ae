package dev.multilock.benchmarks;

import com.google.common.util.concurrent.Striped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * {@link KeyedContender#GUAVA_STRIPED}: Guava's {@link Striped#lazyWeakReadWriteLock(int)}, a
 * fixed number of stripes, each a non-fair {@code ReentrantReadWriteLock} created on first use
 * and weakly held, so unused stripes can be collected. Keys whose hashes share a stripe share its
 * lock: memory is bounded by the stripes, not by the keys, and unequal keys may wait for each
 * other. {@code striped.get(key).readLock()} / {@code writeLock()}, then {@code lock()} and
 * {@code unlock()}; the token is that {@link Lock} (Guava's wrapper, which keeps the stripe
 * reachable while it is held). Blocking only: there is no asynchronous API.
 */
final class GuavaStripedAdapter implements KeyedLockAdapter {

    /**
     * Stripes: 512. A user sizes stripes to a few times the concurrency; this is more than that
     * on purpose, so that false sharing (unequal keys on one stripe) rarely charges Guava a wait
     * multilock would not have: with 4 threads, the chance that another thread's current stripe
     * is a given operation's is about 3/512, under 0.6%. It is also the largest count (Guava
     * rounds up to a power of two) below 1024, where {@code lazyWeakReadWriteLock} switches
     * from an array of weak references to a {@code ConcurrentMap} of weak values, so Guava runs
     * its cheaper variant. Memory stays bounded at 512 locks whatever the number of keys.
     */
    static final int STRIPES = 512;

    private final Striped<ReadWriteLock> striped = Striped.lazyWeakReadWriteLock(STRIPES);

    @Override
    public Object tryAcquire(Object key, boolean exclusive) {
        ReadWriteLock stripe = striped.get(key);
        Lock lock = exclusive ? stripe.writeLock() : stripe.readLock();
        return lock.tryLock() ? lock : null;
    }

    @Override
    public Object acquire(Object key, boolean exclusive) {
        ReadWriteLock stripe = striped.get(key);
        Lock lock = exclusive ? stripe.writeLock() : stripe.readLock();
        lock.lock();
        return lock;
    }

    @Override
    public CompletionStage<?> acquireAsync(Object key, boolean exclusive) {
        return CompletableFuture.completedFuture(acquire(key, exclusive)); // blocks this thread
    }

    @Override
    public void release(boolean exclusive, Object token) {
        ((Lock) token).unlock();
    }

    @Override
    public boolean isAsync() {
        return false;
    }

    @Override
    public int size() {
        return -1; // stripes are not per key
    }
}
