package dev.multilock.tests.pg;

import dev.multilock.MultiLock;
import dev.multilock.postgres.PostgresMultiLocks;
import dev.multilock.tests.pg.PostgresServer.AdvisoryLock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The {@link PostgresMultiLocks} instances of one test, on its test class's database. Two
 * instances on one database behave as two processes: each has its own sessions, so the server
 * queues and excludes them as it would two JVMs.
 *
 * <p>Each instance gets an application name of its own ({@link #app(String)}), so that its
 * sessions can be counted ({@link #connections(String)}) and its advisory locks told apart from
 * the other's in {@code pg_locks} ({@link #locksOf(String, long)}). Each test gets a namespace of
 * its own ({@link #namespace()}), so that no key of one test is a key of another.
 *
 * <p>{@link #close()} closes every instance, then checks, with a bounded poll, that the test left
 * no advisory lock in the database and no session of any of its instances: every test that uses
 * this cleans up and proves it did.
 */
final class PgInstances implements AutoCloseable {

    /** The heartbeat of an instance unless a test says otherwise (the default is 2 s). */
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    /** How long a grant that is due may take: generous, for a loaded 2-core machine. */
    static final Duration DUE = Duration.ofSeconds(10);
    /** How long the server may take to show what an instance did (a wait, a release). */
    static final Duration SHOWS = Duration.ofSeconds(5);

    /**
     * The application name of the session the fixture looks at the server with (see probe()):
     * not {@link PostgresServer#ADMIN_APPLICATION}, whose count PostgresServerTest checks.
     */
    private static final String PROBE_APPLICATION = "multilock-tests-probe";
    private static final AtomicInteger TESTS = new AtomicInteger();

    private final PostgresDatabase db;
    private final String prefix;
    private final Map<String, PostgresMultiLocks> instances = new LinkedHashMap<>();
    /** The fixture's own session for looking at the server; see probe(). */
    private Connection probe; // guarded by this

    PgInstances(PostgresDatabase db) {
        this.db = db;
        this.prefix = "ml" + TESTS.incrementAndGet();
    }

    PostgresDatabase database() {
        return db;
    }

    PostgresServer server() {
        return db.server();
    }

    /** The lock of {@code key} in this test's namespace of {@code locks}. */
    MultiLock lock(PostgresMultiLocks locks, String key) {
        return locks.keyed(namespace()).get(key);
    }

    /** The advisory key of {@code key} in this test's namespace (P3). */
    long serverKey(String key) {
        return advisoryKey(namespace(), key);
    }

    /** The namespace of this test: no other test names it. */
    String namespace() {
        return prefix;
    }

    /** Opens an instance named {@code name} with the test heartbeat and default options. */
    PostgresMultiLocks open(String name) {
        return open(name, b -> b);
    }

    /** Opens an instance named {@code name}; {@code options} may override the test heartbeat. */
    PostgresMultiLocks open(String name, UnaryOperator<PostgresMultiLocks.Builder> options) {
        if (instances.containsKey(name)) {
            throw new IllegalArgumentException("two instances named " + name);
        }
        PostgresMultiLocks locks = options.apply(PostgresMultiLocks.builder(
                db.dataSource(app(name))).heartbeat(HEARTBEAT)).build();
        instances.put(name, locks);
        return locks;
    }

    /** The application name of the sessions of instance {@code name}. */
    String app(String name) {
        return prefix + "-" + name;
    }

    /** The sessions of instance {@code name} open now, as {@code pg_stat_activity} shows them. */
    int connections(String name) {
        return probe(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                    + " WHERE backend_type = 'client backend' AND application_name = ?")) {
                s.setString(1, app(name));
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getInt(1);
                }
            }
        });
    }

    /** The server process ids of the sessions of instance {@code name}. */
    Set<Integer> pids(String name) {
        return probe(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT pid FROM pg_stat_activity"
                    + " WHERE backend_type = 'client backend' AND application_name = ?")) {
                s.setString(1, app(name));
                Set<Integer> pids = new HashSet<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        pids.add(r.getInt(1));
                    }
                }
                return pids;
            }
        });
    }

    /** The advisory locks of {@code key} in the database, held or awaited, by anyone. */
    List<AdvisoryLock> locks(long key) {
        return advisoryLocks(key, null);
    }

    /** The advisory locks of {@code key} that sessions of instance {@code name} hold or await. */
    List<AdvisoryLock> locksOf(String name, long key) {
        return advisoryLocks(key, app(name));
    }

    /**
     * The advisory locks of {@code key} (the one-bigint form) in this test's database, of the
     * sessions of application {@code application} or, if null, of anyone.
     */
    private List<AdvisoryLock> advisoryLocks(long key, String application) {
        String sql = "SELECT l.pid, l.mode, l.granted, l.classid, l.objid, l.objsubid, d.datname"
                + " FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                + " WHERE l.locktype = 'advisory' AND d.datname = ? AND l.objsubid = 1"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ?"
                + (application == null ? "" : " AND l.pid IN (SELECT pid FROM pg_stat_activity"
                        + " WHERE application_name = ?)")
                + " ORDER BY l.pid, l.mode";
        return probe(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, db.name());
                s.setLong(2, key >>> 32);
                s.setLong(3, key & 0xFFFF_FFFFL);
                if (application != null) {
                    s.setString(4, application);
                }
                List<AdvisoryLock> locks = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        locks.add(new AdvisoryLock(r.getInt(1), r.getString(2), r.getBoolean(3),
                                r.getLong(4), r.getLong(5), r.getInt(6), r.getString(7)));
                    }
                }
                return locks;
            }
        });
    }

    /** A query on the server. */
    @FunctionalInterface
    private interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code query} on the fixture's own session (opened on first use, again after it
     * broke, as a server restart breaks it): one session for every look at the server, rather
     * than a new one per look, so that a poll looks often.
     */
    private synchronized <T> T probe(Query<T> query) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (probe == null) {
                    probe = db.server().dataSource(PostgresServer.DEFAULT_DATABASE,
                            PROBE_APPLICATION).getConnection();
                }
                return query.run(probe);
            } catch (SQLException e) {
                closeProbe();
                if (attempt == 2) {
                    throw new IllegalStateException("looking at the server failed", e);
                }
            }
        }
    }

    private synchronized void closeProbe() {
        if (probe != null) {
            try {
                probe.close();
            } catch (SQLException ignored) {
                // a broken session: closing it is all there is to do
            }
            probe = null;
        }
    }

    /** Waits until a session of instance {@code name} waits on the server for {@code key}. */
    AdvisoryLock awaitServerWait(String name, long key) {
        List<AdvisoryLock> seen = Poll.until(SHOWS, () -> locksOf(name, key),
                ls -> ls.stream().anyMatch(l -> !l.granted()),
                name + " waits on the server for key " + Long.toHexString(key));
        return seen.stream().filter(l -> !l.granted()).findFirst().orElseThrow();
    }

    /** Waits until no session of instance {@code name} holds or awaits {@code key}. */
    void awaitNoLock(String name, long key, Duration limit) {
        Poll.until(limit, () -> locksOf(name, key), List::isEmpty,
                name + " holds or awaits no advisory lock of key " + Long.toHexString(key));
    }

    /**
     * Waits until instance {@code name} listens for notifications: one of its sessions is idle
     * after a {@code LISTEN} and has been for 100 ms (the listener sends its {@code LISTEN}s one
     * after the other when it connects, then only reads). A test that counts on a notification
     * reaching the instance (rather than its heartbeat's look at the server) waits for this
     * first: the listener connects on a thread of its own after the first session opens.
     */
    void awaitListening(String name) {
        String sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                + " AND state = 'idle' AND query LIKE 'LISTEN %'"
                + " AND state_change < now() - interval '100 milliseconds'";
        Poll.until(SHOWS, () -> probe(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, app(name));
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getInt(1);
                }
            }
        }), n -> n == 1, name + " listens for notifications");
    }

    /** The server process id of the listener of instance {@code name} (see awaitListening). */
    int listenerPid(String name) {
        awaitListening(name);
        String sql = "SELECT pid FROM pg_stat_activity WHERE application_name = ?"
                + " AND query LIKE 'LISTEN %'";
        return probe(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, app(name));
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        throw new AssertionError(name + " has no listener");
                    }
                    return r.getInt(1);
                }
            }
        });
    }

    /**
     * Closes every instance, then checks that nothing is left: no advisory lock in the
     * database, no session of any instance.
     */
    @Override
    public void close() {
        try {
            RuntimeException failure = null;
            for (PostgresMultiLocks locks : instances.values()) {
                try {
                    locks.close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
            Poll.until(SHOWS, db::advisoryLocks, List::isEmpty, "no advisory lock left in "
                    + db.name() + " after the test closed its instances");
            for (String name : instances.keySet()) {
                Poll.until(SHOWS, () -> connections(name), n -> n == 0,
                        "no session of instance " + app(name) + " left after close()");
            }
        } finally {
            closeProbe();
        }
    }

    // ---- helpers for tests ----

    /**
     * The advisory key of {@code (namespace, key)} as API.md P3 states it, computed here
     * independently of the library: the first 8 bytes, big-endian, of SHA-256 over the UTF-8
     * bytes of {@code namespace + "\u0000" + key}.
     */
    static long advisoryKey(String namespace, String key) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256")
                    .digest((namespace + "\u0000" + key).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java platform has SHA-256", e);
        }
        long k = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            k = (k << 8) | (digest[i] & 0xFF);
        }
        return k;
    }

    /** The value of {@code future}, which must complete normally within {@code limit}. */
    static <T> T await(CompletableFuture<T> future, Duration limit, String what) {
        try {
            return future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": not within " + limit.toMillis() + " ms: " + future);
        } catch (ExecutionException e) {
            throw new AssertionError(what + ": failed: " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new AssertionError(what + ": cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
    }

    /** The value of {@code future}, which must complete normally within {@link #DUE}. */
    static <T> T await(CompletableFuture<T> future, String what) {
        return await(future, DUE, what);
    }

    /**
     * The failure of {@code future}, which must complete exceptionally (not by cancellation)
     * within {@code limit}.
     */
    static Throwable awaitFailure(CompletableFuture<?> future, Duration limit, String what) {
        try {
            Object value = future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            throw new AssertionError(what + ": completed normally with " + value);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": not within " + limit.toMillis() + " ms: " + future);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            throw new AssertionError(what + ": cancelled rather than failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
    }
}
