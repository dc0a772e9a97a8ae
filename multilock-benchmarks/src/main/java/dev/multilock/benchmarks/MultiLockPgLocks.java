package dev.multilock.benchmarks;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresMultiLocks;
import javax.sql.DataSource;

/**
 * {@link PgContender#MULTILOCK} and {@link PgContender#MULTILOCK_LOCK}: one
 * {@link PostgresMultiLocks} with its default options over the pool, and the family of one
 * namespace; {@code get(key)} on every call, as user code does. The token is the {@link Handle}.
 */
final class MultiLockPgLocks implements PgLocks {

    private final PostgresMultiLocks locks;
    private final KeyedMultiLock<String> family;
    private final String[] keys;
    private final boolean blocking;

    MultiLockPgLocks(DataSource pool, String namespace, int keys, boolean blocking) {
        this.locks = PostgresMultiLocks.create(pool);
        this.family = locks.keyed(namespace);
        this.keys = new String[keys];
        for (int i = 0; i < keys; i++) {
            this.keys[i] = "key-" + i; // made once: no key is built per operation
        }
        this.blocking = blocking;
    }

    @Override
    public Object lock(int key) {
        return blocking
                ? family.get(keys[key]).lock(MultiLockType.EXCLUSIVE)
                : family.get(keys[key]).acquire(MultiLockType.EXCLUSIVE).join();
    }

    @Override
    public Object tryLock(int key) {
        return family.get(keys[key]).tryAcquire(MultiLockType.EXCLUSIVE).orElse(null);
    }

    @Override
    public void unlock(int key, Object token) {
        if (!((Handle) token).release()) {
            throw new IllegalStateException("released a handle that was not held: " + token);
        }
    }

    @Override
    public long fencingToken(Object token) {
        return Lease.of((Handle) token).fencingToken();
    }

    @Override
    public void close() {
        locks.close();
    }

    @Override
    public String toString() {
        return locks.toString();
    }
}
