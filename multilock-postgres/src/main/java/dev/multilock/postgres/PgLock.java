package dev.multilock.postgres;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.spi.AbstractMultiLock;
import dev.multilock.spi.LockPin;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The lock of one key of one namespace of a {@link PostgresMultiLocks}, as
 * {@code keyed(namespace).get(key)} returns it: a value naming the key, whose operations go
 * through the key's local lock (this process's queue) and the {@link ServerHold} of its advisory
 * key (the server lock this process holds for it).
 */
final class PgLock extends AbstractMultiLock {

    final PgFamily family;
    final String key;
    final long advisoryKey;

    PgLock(PgFamily family, String key) {
        super(false); // ordered by its pin, never by itself
        this.family = family;
        this.key = key;
        this.advisoryKey = AdvisoryKey.of(family.namespace, key);
    }

    /** The key's lock inside this process: the lock-free keyed lock. */
    private MultiLock local() {
        return family.local.get(key);
    }

    // ---- acquisition ----

    @Override
    public CompletableFuture<Handle> acquire(MultiLockType type) {
        return acquire0(Objects.requireNonNull(type, "type"), null);
    }

    @Override
    public CompletableFuture<Handle> acquire(MultiLockType type, Executor executor) {
        Objects.requireNonNull(type, "type");
        return acquire0(type, Objects.requireNonNull(executor, "executor"));
    }

    private CompletableFuture<Handle> acquire0(MultiLockType type, @Nullable Executor executor) {
        ServerHold hold = family.owner.pinHold(advisoryKey);
        hold.demand.incrementAndGet();
        PgRequest r = new PgRequest(this, hold, type, executor, false);
        hold.live.add(r);
        CompletableFuture<Handle> localRequest;
        try {
            localRequest = executor == null
                    ? local().acquire(type) : local().acquire(type, executor);
        } catch (RuntimeException | Error failure) {
            hold.demand.decrementAndGet();
            hold.forget(r);
            hold.recheck();
            hold.unpin();
            throw failure;
        }
        r.start(localRequest);
        return r;
    }

    // ---- waiting on a thread ----

    /**
     * Waits on this thread: for the local lock with its own blocking wait, then for the cover of
     * the server, through a request whose grant completes it directly. Null if the deadline
     * passed first; a timeout or an interrupt withdraws the request (the grant is kept if it
     * came first, W4).
     */
    @Override
    protected @Nullable Handle awaitOnThread(MultiLockType type, boolean interruptible,
            long nanos) throws InterruptedException {
        boolean timed = nanos != Long.MAX_VALUE;
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        ServerHold hold = family.owner.pinHold(advisoryKey);
        hold.demand.incrementAndGet();
        PgRequest r = new PgRequest(this, hold, type, null, true);
        hold.live.add(r);
        Handle local;
        try {
            local = timed
                    ? local().tryLock(type, Duration.ofNanos(Math.max(0L,
                            deadline - System.nanoTime()))).orElse(null)
                    : interruptible ? local().lockInterruptibly(type) : local().lock(type);
        } catch (InterruptedException | RuntimeException | Error failure) {
            r.abandon();
            throw failure;
        }
        if (local == null) {
            r.abandon();
            return null;
        }
        r.startWithLocal(local);
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    if (!timed) {
                        return r.get();
                    }
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        return r.cancel(false) ? null : r.join();
                    }
                    return r.get(remaining, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    if (!interruptible) {
                        interrupted = true; // lock(): keep waiting
                        continue;
                    }
                    if (r.cancel(false)) {
                        throw e;
                    }
                    interrupted = true; // granted first: keep the grant and the interrupt
                    return r.join();
                } catch (TimeoutException e) {
                    return r.cancel(false) ? null : r.join();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    throw cause instanceof RuntimeException re ? re
                            : new PostgresLockException("waiting for " + this + " failed", cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Decided by this process's server lock of the key when it has one that covers the mode;
     * otherwise by one {@code pg_try_advisory_lock} round trip, which this call waits for (it
     * never queues: the server refuses while another session holds the key in a conflicting
     * mode or waits for it).
     *
     * @throws PostgresLockException if the database fails
     */
    @Override
    public Optional<Handle> tryAcquire(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        Optional<Handle> local = local().tryAcquire(type);
        if (local.isEmpty()) {
            return Optional.empty();
        }
        ServerHold hold = family.owner.pinHold(advisoryKey);
        CompletableFuture<@Nullable PgHandle> decision = new CompletableFuture<>();
        hold.tryCover(this, local.get(), type, decision);
        PgHandle h;
        try {
            h = decision.join();
        } catch (CompletionException failure) {
            local.get().release();
            hold.unpin();
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            throw cause instanceof PostgresLockException p ? p
                    : new PostgresLockException("tryAcquire(" + type + ") on " + this
                            + " failed", cause);
        }
        if (h == null) {
            local.get().release();
            hold.unpin();
            return Optional.empty();
        }
        return Optional.of(h);
    }

    @Override
    public boolean release(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handle instanceof PgHandle h && h.lock.equals(this)) {
            return h.releaseOnce();
        }
        throw new IllegalArgumentException(handle + " is not a handle of " + this);
    }

    // ---- watching ----

    @Override
    public Watch watch(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        return PgWatch.open(this, type);
    }

    @Override
    public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        PgWatch w = PgWatch.open(this, type);
        CompletableFuture<Void> result = new CompletableFuture<>();
        // close and complete throw nothing: the stages whenComplete returns carry nothing to check
        var unused = result.whenComplete((v, failure) -> w.close());
        var unusedToo = w.awaitSet().whenComplete((v, failure) -> result.complete(null));
        return result;
    }

    /**
     * Whether a {@code tryAcquire(type)} would succeed now: the local lock admits it and this
     * process's server lock covers it, or else no other session holds or waits for the key in
     * a conflicting mode (a look at {@code pg_locks}, which this call waits for).
     */
    @Override
    public boolean isAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        if (!((AbstractMultiLock) local()).isAcquirable(type)) {
            return false;
        }
        ServerHold hold = family.owner.pinHold(advisoryKey);
        try {
            return hold.coversNow(type) || !family.owner.db.othersKeepOut(advisoryKey, type);
        } finally {
            hold.unpin();
        }
    }

    /**
     * Pins the key's local state and its server hold for a lock set, and orders it the same way
     * in every process: by advisory key, then namespace and key.
     */
    @Override
    public LockPin pin() {
        ServerHold hold = family.owner.pinHold(advisoryKey);
        LockPin local;
        try {
            local = ((AbstractMultiLock) local()).pin();
        } catch (RuntimeException | Error failure) {
            hold.unpin();
            throw failure;
        }
        String shared = AdvisoryKey.hex(advisoryKey) + "\u0000" + family.namespace + "\u0000"
                + key;
        return new LockPin() {
            @Override
            public long globalOrder() {
                return local.globalOrder();
            }

            @Override
            public String sharedOrder() {
                return shared;
            }

            @Override
            public void unpin() {
                local.unpin();
                hold.unpin();
            }
        };
    }

    // ---- inspection: this process's view (P8) ----

    /**
     * The strongest mode this process holds the key in: granted holds only, not a request that
     * holds the local queue while it waits for the server.
     */
    @Override
    public MultiLockType locked() {
        ServerHold hold = family.owner.existingHold(advisoryKey);
        return hold == null ? MultiLockType.NONE : hold.lockedBy(this);
    }

    /** Requests of this process waiting for the key: in the local queue or for the server. */
    @Override
    public int queueLength() {
        ServerHold hold = family.owner.existingHold(advisoryKey);
        return hold == null ? 0 : Math.max(0, hold.demand.get());
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof PgLock l && l.family == family && l.key.equals(key);
    }

    @Override
    public int hashCode() {
        return 31 * System.identityHashCode(family) + key.hashCode();
    }

    @Override
    public String toString() {
        ServerHold hold = family.owner.existingHold(advisoryKey);
        return "PostgresLock(" + family.namespace + "/" + key + ")[" + locked() + ", holders="
                + (hold == null ? 0 : hold.holdersOf(this)) + ", queued=" + queueLength()
                + "][server: " + (hold == null ? "IDLE" : hold.describe())
                + ", key " + AdvisoryKey.hex(advisoryKey) + "]";
    }
}
