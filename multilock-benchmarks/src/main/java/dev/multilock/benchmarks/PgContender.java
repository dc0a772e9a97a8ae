package dev.multilock.benchmarks;

import javax.sql.DataSource;

/**
 * The ways to lock across processes on PostgreSQL that {@link PostgresBenchmark} and
 * {@link CrossProcessHandoff} put side by side; the value of their {@code contender} parameter.
 * Each takes its connections from the same kind of HikariCP pool.
 */
public enum PgContender {
    /**
     * multilock-postgres, {@code PostgresMultiLocks.create(pool).keyed(namespace).get(key)},
     * waited for through its asynchronous API: {@code acquire(EXCLUSIVE).join()}, then
     * {@code handle.release()}; {@code tryAcquire(EXCLUSIVE)} where the scenario does not wait.
     */
    MULTILOCK {
        @Override
        PgLocks create(DataSource pool, String namespace, int keys) {
            return new MultiLockPgLocks(pool, namespace, keys, false);
        }
    },
    /**
     * The same, waited for on the calling thread: {@code lock(EXCLUSIVE)}. Where the scenario does
     * not wait it calls {@code tryAcquire(EXCLUSIVE)} too (there is one way not to wait), so
     * {@code run.sh} leaves it out of those rows.
     */
    MULTILOCK_LOCK {
        @Override
        PgLocks create(DataSource pool, String namespace, int keys) {
            return new MultiLockPgLocks(pool, namespace, keys, true);
        }
    },
    /**
     * What a user without multilock writes: a connection from the pool per acquisition,
     * {@code SELECT pg_advisory_lock(key)} (which waits in the server's queue), or
     * {@code pg_try_advisory_lock(key)} where the scenario does not wait; then
     * {@code SELECT pg_advisory_unlock(key)} and the connection back to the pool.
     */
    JDBC {
        @Override
        PgLocks create(DataSource pool, String namespace, int keys) {
            return new JdbcPgLocks(pool, namespace);
        }
    };

    /**
     * Creates this contender's locks over a pool.
     *
     * @param pool where to take connections
     * @param namespace names the keys, so that scenarios do not share keys
     * @param keys how many keys the caller uses, numbered from 0
     * @return the locks
     */
    abstract PgLocks create(DataSource pool, String namespace, int keys);
}
