package dev.multilock.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresMultiLocks;
import java.time.Duration;

/**
 * {@link DistContender#MULTILOCK}: multilock-postgres through its public API, as a user writes
 * it: {@code PostgresMultiLocks.create(pool)} with its default options (heartbeat 2 s), the
 * family of one namespace, {@code get(key).tryLock(mode, timeout)} on the calling thread and
 * {@code handle.release()}. Ownership is the handle, not the thread (API.md rule 5), so nothing
 * here needs the thread that took the lock; the scenarios use it anyway, as for the peers.
 *
 * <p>Fencing token: {@link Lease#fencingToken()}, given with every grant (P6). The holder's
 * check: {@link Handle#isHeld()}, a look at this process's state, which turns false when the
 * session holding the server lock is found dead (at once when a statement fails on it, else at
 * the next heartbeat); {@link Lease#lost()} completes at the same moment.
 */
final class MultiLockDistLocks implements DistLocks {

    private final HikariDataSource pool;
    private final PostgresMultiLocks locks;
    private final KeyedMultiLock<String> family;
    private final String[] keys;

    MultiLockDistLocks(String url, String namespace, int keys, int threads) {
        this.pool = PgServer.pool(url, threads + PostgresBenchmark.SPARE_CONNECTIONS,
                "distributed-" + namespace);
        this.locks = PostgresMultiLocks.create(pool);
        this.family = locks.keyed(namespace);
        this.keys = new String[keys];
        for (int i = 0; i < keys; i++) {
            this.keys[i] = "key-" + i; // made once: no key is built per operation
        }
    }

    @Override
    public Object lock(int key, boolean exclusive, long timeoutNanos) {
        try {
            return family.get(keys[key]).tryLock(exclusive ? MultiLockType.EXCLUSIVE
                    : MultiLockType.SHARED, Duration.ofNanos(timeoutNanos)).orElse(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for key " + key, e);
        }
    }

    @Override
    public void unlock(Object grant) {
        if (!((Handle) grant).release()) {
            throw new IllegalStateException("release() returned false: the handle was no"
                    + " longer held");
        }
    }

    @Override
    public long fencingToken(Object grant) {
        return Lease.of((Handle) grant).fencingToken();
    }

    @Override
    public Check check(Object grant) {
        Handle h = (Handle) grant;
        boolean held = h.isHeld();
        boolean lost = Lease.of(h).lost().isDone() && !Lease.of(h).lost().isCancelled();
        return new Check(held && !lost, "isHeld()=" + held + ", lost().isDone()=" + lost);
    }

    @Override
    public void close() {
        try {
            locks.close();
        } finally {
            pool.close();
        }
    }

    @Override
    public String toString() {
        return locks.toString();
    }
}
