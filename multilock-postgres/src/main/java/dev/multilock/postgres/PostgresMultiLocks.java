package dev.multilock.postgres;

import dev.multilock.KeyedMultiLock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The multilock locks across processes and hosts, on PostgreSQL advisory locks: one instance per
 * application and database.
 *
 * <p>{@link #keyed(String) keyed(namespace)} returns a {@link KeyedMultiLock} whose locks every
 * process that names the same namespace and key shares: SHARED, EXCLUSIVE and NONE, asynchronous
 * and fair, cancellable, with watches, sets and downgrade, as in one JVM. What a lock across
 * processes adds is on its handles: {@link Lease#of(dev.multilock.Handle)} gives the fencing
 * token and the loss of the lock.
 *
 * <pre>{@code
 * PostgresMultiLocks locks = PostgresMultiLocks.create(dataSource);   // e.g. a HikariCP pool
 * KeyedMultiLock<String> orders = locks.keyed("orders");
 * orders.get(orderId).withLock(MultiLockType.EXCLUSIVE, () -> shipAsync(orderId));
 * }</pre>
 *
 * <h2>Guarantees (API.md, P1 to P8)</h2>
 * <ul>
 *   <li><b>Exclusion across processes</b>, with first-in, first-out order inside a process and
 *       the server's arrival order across processes. A NONE request waits while another process
 *       holds the key EXCLUSIVE or waits for it ahead of this one, then holds nothing.
 *   <li><b>One server lock per key per process.</b> Requests inside a process queue in a local
 *       lock-free lock and share the process's server lock: SHARED holders share one shared
 *       server lock, and an EXCLUSIVE hold is handed on inside the process without a round trip.
 *       While another process waits for the key, a process hands it on at most
 *       {@link Builder#handOffLimit(int) handOffLimit} times or for
 *       {@link Builder#handOffWindow(Duration) handOffWindow}, whichever ends first, then lets go,
 *       so no process starves another. It keeps no server lock for a key nothing here needs.
 *   <li><b>Keys</b> map to the server's 64-bit advisory key as the first 8 bytes, big-endian, of
 *       SHA-256 over the UTF-8 bytes of {@code namespace + "\u0000" + key}; two names that
 *       collide only ever add exclusion.
 *   <li><b>Cancellation.</b> Withdrawing a request that waits on the server cancels it there; a
 *       grant that races the cancellation is released.
 *   <li><b>Failure.</b> When the session holding a process's server lock dies (connection
 *       killed, server restart, network), every handle on it is lost ({@code isHeld()} false,
 *       {@link Lease#lost()} complete) within {@link Builder#heartbeat(Duration) heartbeat}
 *       plus one second. A process that dies loses its locks as soon as the server notices.
 *   <li><b>Fencing.</b> Every EXCLUSIVE grant gets a {@linkplain Lease#fencingToken() token}
 *       greater than every earlier EXCLUSIVE grant's of its key, in any process.
 *   <li><b>Watches</b> see releases made in other processes (LISTEN/NOTIFY, and a look at the
 *       server at each heartbeat, since a dying session announces nothing).
 *   <li><b>{@code tryAcquire}</b> never queues: it is decided by this process's server lock
 *       when it has one, else by one {@code pg_try_advisory_lock} round trip (which refuses
 *       while another session waits for the key). {@code locked()}, {@code queueLength()} and
 *       {@code toString()} describe this process's view.
 * </ul>
 *
 * <h2>Connections and threads</h2>
 * At most two connections whatever the number of keys held without contention (one session that
 * takes free keys and runs the library's short statements, one that listens for notifications),
 * plus one per key this process waits for on the server, kept while it holds that key. Each
 * connection is cleared with {@code pg_advisory_unlock_all()} before it is closed, so no lock
 * leaks into a pool. The sessions must stay the library's: a transaction-mode pooler such as
 * pgbouncer, which moves server sessions between clients, breaks session-level advisory locks.
 * Statements and server waits run on the {@link Builder#executor(Executor) executor} (by
 * default daemon threads of the library named {@code multilock-postgres-*}); the heartbeat and
 * the listener have a thread each.
 *
 * <p>Fencing tokens are kept in a table {@code multilock_fencing (lock_key bigint primary key,
 * token bigint)}, which the first EXCLUSIVE grant creates if it does not exist: the database user
 * needs the right to create it, or it must be created beforehand.
 *
 * @since 0.1.0
 */
public final class PostgresMultiLocks implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PostgresMultiLocks.class.getName());

    /** The options of an instance. */
    record Config(Duration heartbeat, int handOffLimit, Duration handOffWindow) {}

    final Config config;
    final Database db;
    private final Executor executor;
    private final @Nullable ExecutorService ownedExecutor;
    private final ScheduledExecutorService timer;
    private final AtomicInteger threads = new AtomicInteger();
    private final ConcurrentHashMap<String, PgFamily> families = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, ServerHold> holds = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private PostgresMultiLocks(Builder b) {
        this.config = new Config(b.heartbeat, b.handOffLimit, b.handOffWindow);
        Executor given = b.executor;
        if (given == null) {
            this.ownedExecutor = Executors.newCachedThreadPool(r -> newThread(r, "worker"));
            this.executor = ownedExecutor;
        } else {
            this.ownedExecutor = null;
            this.executor = given;
        }
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                (ThreadFactory) r -> newThread(r, "heartbeat"));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        this.db = new Database(this, b.dataSource, executor, timer);
        db.startHeartbeat(config.heartbeat().toNanos());
    }

    /**
     * Creates an instance with the default options (heartbeat 2 s, hand-off limit 32 and window
     * 50 ms, the library's own threads). Opens no connection yet: the first use does.
     *
     * @param dataSource where to get connections; a pool works (see the class notes on poolers)
     * @return a new instance, to be {@linkplain #close() closed} when the application stops
     * @throws NullPointerException if {@code dataSource} is null
     */
    public static PostgresMultiLocks create(DataSource dataSource) {
        return builder(dataSource).build();
    }

    /**
     * Returns a builder for an instance with other options.
     *
     * @param dataSource where to get connections
     * @return a builder with the default options
     * @throws NullPointerException if {@code dataSource} is null
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /**
     * Returns the locks of {@code namespace}: every process that names the same namespace and
     * key gets the same lock. Calls with equal namespaces return the same family.
     *
     * @param namespace the namespace; any string, {@code "\u0000"} included
     * @return the family of the namespace
     * @throws NullPointerException if {@code namespace} is null
     * @throws IllegalStateException if this instance is closed
     */
    public KeyedMultiLock<String> keyed(String namespace) {
        Objects.requireNonNull(namespace, "namespace");
        checkOpen();
        return families.computeIfAbsent(namespace, n -> new PgFamily(this, n));
    }

    /**
     * Closes the instance: every handle still held is lost ({@link Lease#lost()} completes),
     * every pending acquisition fails with a {@link PostgresLockException}, every server lock is
     * released, and this returns once every session it opened is closed (waiting at most ten
     * seconds for the database, then ending the connections). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        PostgresLockException cause = new PostgresLockException("PostgresMultiLocks closed");
        for (ServerHold h : holds.values()) {
            h.close(cause);
        }
        db.close();
        timer.shutdownNow();
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
    }

    @Override
    public String toString() {
        return "PostgresMultiLocks[" + (closed ? "closed" : "open") + ", namespaces="
                + families.keySet() + ", keys held or wanted=" + holds.size() + "]";
    }

    // ---- for the package ----

    Executor executor() {
        return executor;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("PostgresMultiLocks is closed");
        }
    }

    /**
     * Takes a use of the hold of {@code key}, creating it if none is alive.
     *
     * @throws IllegalStateException if this instance is closed
     */
    ServerHold pinHold(long key) {
        checkOpen();
        ServerHold h = holds.get(key);
        for (;;) {
            if (h == null) {
                ServerHold fresh = new ServerHold(this, key);
                h = holds.putIfAbsent(key, fresh);
                if (h == null) {
                    return fresh;
                }
            }
            if (h.tryPin()) {
                return h;
            }
            holds.remove(key, h); // dead: its killer removes it; do it now rather than wait
            h = holds.get(key);
        }
    }

    /** The live hold of {@code key}, or null; takes no use. */
    @Nullable ServerHold existingHold(long key) {
        ServerHold h = holds.get(key);
        return h == null || h.isDead() ? null : h;
    }

    void drop(ServerHold h) {
        holds.remove(h.key, h);
    }

    /** Whether any hold may hold a server lock now (for the heartbeat's look at waiters). */
    boolean anyHeld() {
        return !holds.isEmpty();
    }

    /** The heartbeat's look at the server for every watched key. */
    void pollWatches() {
        for (ServerHold h : holds.values()) {
            h.reevaluate(false);
        }
    }

    void report(ServerHold h, Throwable failure) {
        LOG.log(System.Logger.Level.ERROR, "multilock-postgres: unexpected failure in the hold of"
                + " advisory key " + AdvisoryKey.hex(h.key), failure);
    }

    Thread newThread(Runnable r, String role) {
        Thread t = new Thread(r, "multilock-postgres-" + role + "-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /**
     * The options of a {@link PostgresMultiLocks}. Every setter checks its argument at once and
     * throws, changing nothing, if it is bad.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final DataSource dataSource;
        private Duration heartbeat = Duration.ofSeconds(2);
        private int handOffLimit = 32;
        private Duration handOffWindow = Duration.ofMillis(50);
        private @Nullable Executor executor;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * How often the process checks that each session holding a server lock is alive
         * (default 2 s). A lost session is noticed within this plus one second.
         *
         * @param heartbeat the period, at least 100 ms
         * @return this builder
         * @throws NullPointerException if {@code heartbeat} is null
         * @throws IllegalArgumentException if it is shorter than 100 ms
         */
        public Builder heartbeat(Duration heartbeat) {
            Objects.requireNonNull(heartbeat, "heartbeat");
            if (heartbeat.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("heartbeat must be at least 100 ms: "
                        + heartbeat);
            }
            this.heartbeat = heartbeat;
            return this;
        }

        /**
         * How many more holds a process grants under its server lock of a key once another
         * process waits for that key (default 32).
         *
         * @param handOffLimit at least 1
         * @return this builder
         * @throws IllegalArgumentException if it is less than 1
         */
        public Builder handOffLimit(int handOffLimit) {
            if (handOffLimit < 1) {
                throw new IllegalArgumentException("handOffLimit must be at least 1: "
                        + handOffLimit);
            }
            this.handOffLimit = handOffLimit;
            return this;
        }

        /**
         * For how long a process goes on granting holds under its server lock of a key once
         * another process waits for that key (default 50 ms).
         *
         * @param handOffWindow positive
         * @return this builder
         * @throws NullPointerException if {@code handOffWindow} is null
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder handOffWindow(Duration handOffWindow) {
            Objects.requireNonNull(handOffWindow, "handOffWindow");
            if (handOffWindow.isZero() || handOffWindow.isNegative()) {
                throw new IllegalArgumentException("handOffWindow must be positive: "
                        + handOffWindow);
            }
            this.handOffWindow = handOffWindow;
            return this;
        }

        /**
         * Where statements and server waits run (default: daemon threads the library owns,
         * named {@code multilock-postgres-*}). A wait occupies a thread for as long as it waits,
         * so an executor of virtual threads suits it; the executor must not be bounded below
         * the number of keys that may wait at once, plus one.
         *
         * @param executor the executor
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Creates the instance. Opens no connection yet.
         *
         * @return a new instance
         */
        public PostgresMultiLocks build() {
            return new PostgresMultiLocks(this);
        }
    }
}
