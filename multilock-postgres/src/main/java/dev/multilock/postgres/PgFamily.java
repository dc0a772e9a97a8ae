package dev.multilock.postgres;

import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.spi.AbstractKeyedMultiLock;
import java.util.Objects;

/**
 * The locks of one namespace of a {@link PostgresMultiLocks}: {@code get(key)} is the lock every
 * process that names the same namespace and key shares. Inside this process the keys queue in
 * one in-JVM keyed lock ({@link #local}), created on use and dropped when idle like any keyed
 * lock.
 */
final class PgFamily extends AbstractKeyedMultiLock<String> {

    final PostgresMultiLocks owner;
    final String namespace;
    /** This process's queue of each key: a key's state lives here while the key is in use. */
    final KeyedMultiLock<String> local = KeyedMultiLock.create();

    PgFamily(PostgresMultiLocks owner, String namespace) {
        this.owner = owner;
        this.namespace = namespace;
    }

    @Override
    public MultiLock get(String key) {
        return new PgLock(this, Objects.requireNonNull(key, "key"));
    }

    /** Keys with live state in this process: held, queued for, watched or awaited here. */
    @Override
    public int size() {
        return local.size();
    }

    @Override
    public String toString() {
        return "PostgresKeyedMultiLock(" + namespace + ")[keys=" + local.size() + "]";
    }
}
