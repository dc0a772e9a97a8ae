package dev.multilock.postgres;

import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.spi.AbstractMultiLock;
import dev.multilock.spi.AbstractWatch;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link Watch} of a lock of {@link PostgresMultiLocks} (API.md, P7): set when the mode is
 * acquirable, meaning the key's local lock admits it and either this process's server lock
 * covers it or no other session holds or waits for the key in a conflicting mode.
 *
 * <p>It is checked again on every event of the local lock (a release, withdrawal or downgrade in
 * this process), every change of this process's server lock, every release another process
 * announces (LISTEN/NOTIFY), and at each heartbeat, since a session that dies announces nothing.
 * An event sets the flag if the mode is acquirable then, even if it already was; the heartbeat's
 * look sets it only if the key has become free on the server since the last look.
 */
final class PgWatch extends AbstractWatch {

    private final PgLock lock;
    private final ServerHold hold;
    private final Watch local;
    /** Whether the server kept nobody out at the last look; serial section of the hold only. */
    private boolean serverWasFree;

    private PgWatch(PgLock lock, ServerHold hold, MultiLockType type, Watch local) {
        super(type);
        this.lock = lock;
        this.hold = hold;
        this.local = local;
    }

    /** Creates a watch, registered with its hold (one use) and its local lock, and checks it. */
    static PgWatch open(PgLock lock, MultiLockType type) {
        ServerHold hold = lock.family.owner.pinHold(lock.advisoryKey);
        Watch local;
        try {
            local = lock.family.local.get(lock.key).watch(type);
        } catch (RuntimeException | Error failure) {
            hold.unpin();
            throw failure;
        }
        PgWatch w = new PgWatch(lock, hold, type, local);
        hold.addWatch(w);
        w.listen();
        return w;
    }

    /** Whether the key's local lock admits the mode now; read in the hold's serial section. */
    boolean locallyAcquirable() {
        return ((AbstractMultiLock) lock.family.local.get(lock.key)).isAcquirable(type());
    }

    /**
     * The hold's verdict on the server's side; called in its serial section.
     *
     * @param free whether nothing on the server keeps the mode out now
     * @param event whether a change (rather than a periodic look) led to the check
     */
    void serverFree(boolean free, boolean event) {
        boolean was = serverWasFree;
        serverWasFree = free;
        if (free && (event || !was) && raise()) {
            Deliveries.deliver(this::completeAwaiters, hold.owner.executor());
        }
    }

    /** Checks again on every event of the local lock, until closed. */
    private void listen() {
        while (!isClosed()) {
            local.clear();
            CompletableFuture<Void> next = local.awaitSet();
            if (!next.isDone()) {
                // listen throws nothing: the stage thenRun returns carries nothing to check
                var unused = next.thenRun(() -> {
                    hold.reevaluate(this);
                    listen();
                });
                return;
            }
            if (next.isCancelled()) {
                return;
            }
            hold.reevaluate(this);
        }
    }

    @Override
    protected void onClose() {
        local.close();
        hold.removeWatch(this);
    }

    @Override
    public String toString() {
        return "Watch[" + type() + (isSet() ? ", set" : ", clear") + "] of " + lock;
    }
}
