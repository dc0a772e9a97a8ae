package dev.multilock.benchmarks;

/**
 * The read/write locks across processes that {@link DistributedScenarios} puts side by side, each
 * on its own server, all started by {@code run.sh} on 127.0.0.1.
 */
public enum DistContender {
    /** multilock-postgres on PostgreSQL ({@link MultiLockDistLocks}). */
    MULTILOCK("multilock-postgres") {
        @Override
        DistLocks create(Servers s, String namespace, int keys, int threads) {
            return new MultiLockDistLocks(s.pgUrl(), namespace, keys, threads);
        }
    },
    /** Redisson's {@code RReadWriteLock} on Redis ({@link RedissonDistLocks}). */
    REDISSON("Redisson") {
        @Override
        DistLocks create(Servers s, String namespace, int keys, int threads) {
            return new RedissonDistLocks(s.redis(), namespace, keys, s.leaseMillis());
        }
    },
    /** Curator's {@code InterProcessReadWriteLock} on ZooKeeper ({@link CuratorDistLocks}). */
    CURATOR("Curator") {
        @Override
        DistLocks create(Servers s, String namespace, int keys, int threads) {
            return new CuratorDistLocks(s.zookeeper(), namespace, keys, s.leaseMillis());
        }
    };

    private final String label;

    DistContender(String label) {
        this.label = label;
    }

    /**
     * The name the report shows.
     *
     * @return e.g. {@code "Redisson"}
     */
    public String label() {
        return label;
    }

    /**
     * Where the servers are, and the peers' lease: Redisson's {@code lockWatchdogTimeout} and
     * Curator's session timeout (multilock-postgres keeps its defaults; its lock lives as long as
     * its database session).
     *
     * @param pgUrl the PostgreSQL JDBC URL, user included
     * @param redis the Redis address, {@code redis://127.0.0.1:PORT}
     * @param zookeeper the ZooKeeper connect string, {@code 127.0.0.1:PORT}
     * @param leaseMillis the peers' lease, in ms
     */
    record Servers(String pgUrl, String redis, String zookeeper, long leaseMillis) {}

    /**
     * Connects this contender's locks.
     *
     * @param servers where the servers are
     * @param namespace names the keys, so that runs do not share keys
     * @param keys how many keys the caller uses, numbered from 0
     * @param threads how many threads of this process will wait at once
     * @return the locks
     */
    abstract DistLocks create(Servers servers, String namespace, int keys, int threads);
}
