package dev.multilock.lockfree;

import static dev.multilock.MultiLockType.NONE;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import dev.multilock.spi.AbstractMultiLock;
import dev.multilock.spi.ReadWriteView;
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

    /**
     * Takes a use of the key's state and waits on it as {@link LockFreeMultiLock#awaitSlow}; the
     * use passes to the hold or the waiter, or is given back if nothing was queued.
     */
    @Override
    protected @Nullable Handle awaitOnThread(MultiLockType type, boolean interruptible,
            long nanos) throws InterruptedException {
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
        boolean timed = nanos != Long.MAX_VALUE;
        try {
            return s.awaitSlow(type, interruptible, timed, timed ? System.nanoTime() + nanos : 0L);
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

    /**
     * The view of this key's lock keeps its holds with the key's state, so that the views of
     * every lock of the key share them (K1, W2): a hold taken through one {@code get(key)}'s view
     * is unlocked through another's.
     */
    @Override
    protected ReadWriteView newReadWriteView() {
        return new ReadWriteView(this, new KeyHolds(MultiLockType.SHARED),
                new KeyHolds(MultiLockType.EXCLUSIVE));
    }

    /** One side's holds, kept in the key's state, which each kept hold keeps alive. */
    private final class KeyHolds implements ReadWriteView.HoldStore {
        private final MultiLockType type;

        KeyHolds(MultiLockType type) {
            this.type = type;
        }

        @Override
        public void keep(Handle hold) {
            // a hold of this key's lock-free lock: its state is live while it is held
            ((KeyedLock<?>) ((LockFreeHandle) hold).lock).holds(type).keep(hold);
        }

        @Override
        public @Nullable Handle take() {
            ReadWriteView.Holds holds = kept();
            return holds == null ? null : holds.take(); // a dead state keeps no hold
        }

        @Override
        public int size() {
            ReadWriteView.Holds holds = kept();
            return holds == null ? 0 : holds.size();
        }

        /** The holds of the key's state now, or null if the key has no state or never had any. */
        private ReadWriteView.@Nullable Holds kept() {
            KeyedLock<K> s = family.states.get(key);
            return s == null ? null : s.holdsIfAny(type);
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
