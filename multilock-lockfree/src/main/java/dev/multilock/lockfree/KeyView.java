package dev.multilock.lockfree;

import static dev.multilock.MultiLockType.NONE;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.spi.AbstractMultiLock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The lock of one key, as {@link LockFreeKeyedMultiLock#get} returns it: a value that names the
 * family and the key, and finds the key's state ({@link KeyedLock}) on each call. It refers to
 * no state, so it keeps none alive; two views of equal keys of one family are equal.
 */
final class KeyView<K> extends AbstractMultiLock {
    /*
     * Implementation notes.
     *
     * Calls that may create something (acquire, tryAcquire, watch, whenAcquirable) first take a
     * use of the key's live state (LockFreeKeyedMultiLock.pin, which creates the state if the
     * key is idle) and hand it to the state's own method, which passes it on to what it creates
     * or gives it back (see KeyedLock). An acquisition of an idle key takes a shortcut: it
     * creates the state already holding the acquisition, so the map's insertion is the grant.
     *
     * Reads (locked, queueLength, isAcquirable, toString, and the refusal of a tryAcquire) take
     * no use: they read the state's lock word, then check that the state is not dead; a state
     * not dead after the read was live during it, so the read is one of a live state. A dead
     * one is removed (helping its killer) and the next state read instead.
     */

    final LockFreeKeyedMultiLock<K> family;
    final K key;

    KeyView(LockFreeKeyedMultiLock<K> family, K key) {
        super(false); // never ordered itself: a set orders it by its pin, the key's state
        this.family = family;
        this.key = key;
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
        KeyedLock<K> s = family.states.get(key);
        if (s == null) {
            LockFreeHandle h = family.createHeld(key, type);
            if (h != null) {
                return CompletableFuture.completedFuture(h);
            }
        }
        s = family.pin(key, s);
        try {
            return s.acquire0(type, executor);
        } catch (RuntimeException | Error failure) {
            s.unpin(); // nothing was queued (the limit of waiters)
            throw failure;
        }
    }

    @Override
    public Optional<Handle> tryAcquire(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        KeyedLock<K> s = family.states.get(key);
        if (s == null) {
            LockFreeHandle h = family.createHeld(key, type);
            if (h != null) {
                return Optional.of(h);
            }
        } else if (!s.isAcquirable(type) && !s.isDead()) {
            return Optional.empty(); // refused by a live state: no use taken, nothing written
        }
        s = family.pin(key, s);
        Optional<Handle> h = s.tryAcquire(type);
        if (h.isEmpty()) {
            s.unpin();
        }
        return h;
    }

    // ---- waiting on a thread ----

    @Override
    public Handle lock(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        try {
            return Objects.requireNonNull(await(type, false, false, 0L), "untimed");
        } catch (InterruptedException impossible) {
            throw new AssertionError("an uninterruptible wait threw", impossible);
        }
    }

    @Override
    public Handle lockInterruptibly(MultiLockType type) throws InterruptedException {
        Objects.requireNonNull(type, "type");
        if (Thread.interrupted()) {
            throw new InterruptedException(); // W4: no request, status cleared
        }
        return Objects.requireNonNull(await(type, true, false, 0L), "untimed");
    }

    @Override
    public Optional<Handle> tryLock(MultiLockType type, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            return tryAcquire(type);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException(); // W4: no request, status cleared
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE; // W4: waits without limit
        }
        boolean timed = nanos != Long.MAX_VALUE;
        return Optional.ofNullable(await(type, true, timed, System.nanoTime() + nanos));
    }

    /**
     * Takes a use of the key's state and waits on it as {@link LockFreeMultiLock#awaitSlow}; the
     * use passes to the hold or the waiter, or is given back if nothing was queued.
     */
    private @Nullable LockFreeHandle await(MultiLockType type, boolean interruptible,
            boolean timed, long deadline) throws InterruptedException {
        KeyedLock<K> s = family.states.get(key);
        if (s == null) {
            LockFreeHandle h = family.createHeld(key, type);
            if (h != null) {
                return h;
            }
        }
        s = family.pin(key, s);
        LockFreeHandle h = s.tryEnter(type);
        if (h != null) {
            return h;
        }
        try {
            return s.awaitSlow(type, interruptible, timed, deadline);
        } catch (RuntimeException | Error failure) {
            s.unpin(); // nothing was queued (the limit of waiters); a withdrawal unpins itself
            throw failure;
        }
    }

    @Override
    public boolean release(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handle instanceof LockFreeHandle h && h.lock instanceof KeyedLock<?> s
                && s.family == family && s.key.equals(key)) {
            return s.release(h);
        }
        throw new IllegalArgumentException(handle + " is not a handle of " + this);
    }

    // ---- watching ----

    @Override
    public Watch watch(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        KeyedLock<K> s = family.pin(key, family.states.get(key));
        return s.watch(type); // the watch keeps the use until closed
    }

    @Override
    public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        if (isAcquirable(type)) {
            return CompletableFuture.completedFuture(null);
        }
        KeyedLock<K> s = family.pin(key, family.states.get(key));
        return s.whenAcquirable(type); // registered: keeps the use until done; else gives it back
    }

    @Override
    public boolean isAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        for (;;) {
            KeyedLock<K> s = family.states.get(key);
            if (s == null) {
                return true;
            }
            boolean acquirable = s.isAcquirable(type);
            if (!s.isDead()) {
                return acquirable;
            }
            family.drop(s);
        }
    }

    /** Pins the key's state, creating it if the key is idle; for lock sets. */
    @Override
    public AbstractMultiLock pin() {
        return family.pin(key, family.states.get(key));
    }

    // ---- inspection ----

    @Override
    public MultiLockType locked() {
        for (;;) {
            KeyedLock<K> s = family.states.get(key);
            if (s == null) {
                return NONE;
            }
            MultiLockType locked = s.locked();
            if (!s.isDead()) {
                return locked;
            }
            family.drop(s);
        }
    }

    @Override
    public int queueLength() {
        for (;;) {
            KeyedLock<K> s = family.states.get(key);
            if (s == null) {
                return 0;
            }
            int queued = s.queueLength();
            if (!s.isDead()) {
                return queued;
            }
            family.drop(s);
        }
    }

    /** Equal to every lock of an equal key of the same family. */
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof KeyView<?> v && v.family == family && v.key.equals(key);
    }

    @Override
    public int hashCode() {
        return 31 * System.identityHashCode(family) + key.hashCode();
    }

    /**
     * The state of the key as its lock describes it ({@code MultiLock(key)[mode, holders, queue,
     * watchers]}), or, for an idle key, the same with nothing in it.
     */
    @Override
    public String toString() {
        for (;;) {
            KeyedLock<K> s = family.states.get(key);
            if (s == null) {
                return "MultiLock(" + key + ")[NONE, holders=0, queued=0, watchers=0]";
            }
            String description = s.toString();
            if (!s.isDead()) {
                return description;
            }
            family.drop(s);
        }
    }
}
