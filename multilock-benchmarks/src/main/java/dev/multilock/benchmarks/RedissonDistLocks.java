package dev.multilock.benchmarks;

import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RReadWriteLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * {@link DistContender#REDISSON}: Redisson's {@link RReadWriteLock} on one Redis server:
 * {@code getReadWriteLock(name).readLock()} or {@code writeLock()}, {@code tryLock(wait, unit)}
 * with no lease time (so Redisson's watchdog keeps the key alive: it sets the key's expiry to
 * {@code lockWatchdogTimeout} and renews it every third of that while this process runs), and
 * {@code unlock()}.
 *
 * <p>Owned by a thread: the holder is this client's id and the calling thread's id, so unlock,
 * the check and the token must come from the thread that locked; {@code unlock()} by another
 * thread, or after the key expired, throws {@link IllegalMonitorStateException}.
 *
 * <p>Fencing token: none. {@code RReadWriteLock} gives none; Redisson's {@code RFencedLock}
 * (exclusive only, no read mode) does, and a user could build one with an {@code RAtomicLong}
 * incremented after each write grant; neither is the lock measured here. The holder's check:
 * {@link RLock#isHeldByCurrentThread()}, one round trip to Redis ({@code HEXISTS} of this
 * holder's field), so a true answer can be stale by the time the holder writes.
 */
final class RedissonDistLocks implements DistLocks {

    private final RedissonClient client;
    private final RReadWriteLock[] locks;

    RedissonDistLocks(String address, String namespace, int keys, long watchdogMillis) {
        Config config = new Config();
        config.setLockWatchdogTimeout(watchdogMillis);
        // Fewer idle connections than the default 24 per client: four processes start faster.
        config.useSingleServer().setAddress(address).setConnectionMinimumIdleSize(4)
                .setSubscriptionConnectionMinimumIdleSize(1);
        this.client = Redisson.create(config);
        this.locks = new RReadWriteLock[keys];
        for (int i = 0; i < keys; i++) {
            locks[i] = client.getReadWriteLock(namespace + ":key-" + i);
        }
    }

    /** A grant: the lock it was taken on (Redisson knows the holder by the thread). */
    private record Grant(RLock lock) {}

    @Override
    public Object lock(int key, boolean exclusive, long timeoutNanos) {
        RLock lock = exclusive ? locks[key].writeLock() : locks[key].readLock();
        try {
            return lock.tryLock(timeoutNanos, TimeUnit.NANOSECONDS) ? new Grant(lock) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for key " + key, e);
        }
    }

    @Override
    public void unlock(Object grant) {
        ((Grant) grant).lock().unlock();
    }

    @Override
    public long fencingToken(Object grant) {
        return NO_TOKEN;
    }

    @Override
    public Check check(Object grant) {
        boolean held = ((Grant) grant).lock().isHeldByCurrentThread();
        return new Check(held, "isHeldByCurrentThread()=" + held);
    }

    @Override
    public void close() {
        client.shutdown();
    }

    @Override
    public String toString() {
        return "Redisson RReadWriteLock, lockWatchdogTimeout " + client.getConfig()
                .getLockWatchdogTimeout() + " ms";
    }
}
