package dev.multilock.tests;

import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.PostgresMultiLocks;
import dev.multilock.tests.pg.PostgresDatabase;
import dev.multilock.tests.pg.PostgresExtension;
import dev.multilock.tests.pg.PostgresServer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * The locks of {@link Backend#POSTGRES}: one {@link PostgresMultiLocks} for the whole run, on a
 * database of its own on the run's throwaway server, whose namespace {@value #NAMESPACE} gives
 * every test a fresh key.
 *
 * <p>{@link Starter}, an extension of the class that runs the suites on PostgreSQL, starts it
 * before that class's first test: it takes the run's server from {@link PostgresExtension} (which
 * starts it if no test has yet), creates the database and the instance, and keeps them in the
 * root store, which closes the instance when the run ends (before the server, which went into
 * the store first: the store closes in reverse order).
 *
 * <p>Before the first test the instance takes and releases one EXCLUSIVE lock, which opens its
 * sessions and creates its fencing table.
 *
 * <p>The instance has the default options, the 2 s heartbeat included. A shorter one was
 * considered, for CI time, and left: no rule the suites check waits for a beat (a watch that the
 * server's answer sets is looked at on every local event and after every release of the server
 * lock, not only at a beat), and each beat is one more library thread that may run a key's
 * bookkeeping at the moment a test's release does, which moves that grant onto the executor.
 */
final class PostgresBackend implements AutoCloseable {

    /** The namespace of every POSTGRES lock. */
    static final String NAMESPACE = "backend";

    private static final Namespace STORE = Namespace.create(PostgresBackend.class);
    /** The run's instance, once a class with {@link Starter} has begun; null after the run. */
    private static volatile PostgresBackend current;

    private final PostgresDatabase database;
    private final PostgresMultiLocks locks;
    private final KeyedMultiLock<String> family;

    private PostgresBackend(PostgresDatabase database) {
        this.database = database;
        this.locks = PostgresMultiLocks.create(database.dataSource("multilock-backend"));
        this.family = locks.keyed(NAMESPACE);
        // The first EXCLUSIVE grant of an instance creates its fencing table (P6); take one now,
        // as any application soon would, so that no test depends on whether one ran before it
        // (the fresh database has a test of its own in PostgresBackendTest).
        family.get("warm-up").tryAcquire(MultiLockType.EXCLUSIVE)
                .orElseThrow(() -> new IllegalStateException("the warm-up lock was refused"))
                .release();
    }

    /**
     * Starts the run's POSTGRES backend, once, before the first test of the class it extends
     * (and of its nested classes, which inherit it).
     */
    static final class Starter implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            PostgresServer server = PostgresExtension.server(context);
            current = context.getRoot().getStore(STORE).getOrComputeIfAbsent(
                    PostgresBackend.class,
                    key -> new PostgresBackend(server.newDatabase(NAMESPACE)),
                    PostgresBackend.class);
        }
    }

    /** The family of the POSTGRES locks; fails if no class started the backend. */
    static KeyedMultiLock<String> locks() {
        return running().family;
    }

    /** The database the POSTGRES locks live in, for what the server sees of them. */
    static PostgresDatabase database() {
        return running().database;
    }

    private static PostgresBackend running() {
        PostgresBackend b = current;
        if (b == null) {
            throw new IllegalStateException("Backend.POSTGRES is used in a class that is not"
                    + " extended with PostgresBackend.Starter (see PostgresBackendTest)");
        }
        return b;
    }

    /** Closes the instance: its sessions end, so the server holds nothing of the run's. */
    @Override
    public void close() {
        current = null;
        locks.close();
    }
}
