package dev.multilock.tests;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A keyed family written the way a user would write one by hand: a map from each key in use to
 * a plain {@link MultiLock} and a count of its uses, the entry removed when the count drops to
 * zero. Correct with {@link Bug#NONE}; with any other {@link Bug} it breaks K3 (API.md) in one
 * way that published keyed locks have broken it. The keyed suites must accept the first and
 * reject the others: the test of the tests.
 */
final class BrokenKeyedLock implements TestedKeyedLock {

    /** The planted bug. */
    enum Bug {
        /** No bug: every change of a count is atomic with the entry's removal. */
        NONE,
        /**
         * A waiting request does not count as a use, and a release gives back its use before
         * it releases the lock: the last holder's release drops the entry while a request is
         * still queued on its lock, and the next request creates a second lock for the key.
         */
        DROP_WHILE_QUEUED,
        /**
         * Check-then-act on the map: find the entry, and if there is none, create and put one;
         * count with a plain {@code ++}. Two first requests for a key at once can each put an
         * entry, so the key has two live locks; a drop can likewise race a new use.
         */
        SECOND_LIVE_STATE
    }

    /** The state of one key: its lock and how many things use it. */
    private static final class Entry {
        final int index;
        final MultiLock lock = MultiLock.create();
        /** Uses: under the map's compute for NONE; plain and racy for SECOND_LIVE_STATE. */
        int uses;
        volatile boolean dead;

        Entry(int index) {
            this.index = index;
        }
    }

    private final Bug bug;
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();
    /** The entry of each lock ever created, to find a handle's entry. */
    private final Map<MultiLock, Entry> entryOf = new ConcurrentHashMap<>();

    BrokenKeyedLock(Bug bug) {
        this.bug = bug;
    }

    /** Adds a use of the key's entry, creating the entry if there is none. */
    private Entry use(int index) {
        if (bug == Bug.SECOND_LIVE_STATE) {
            Entry e = entries.get(index);
            if (e == null || e.dead) {
                e = new Entry(index);
                entryOf.put(e.lock, e);
                Thread.yield(); // widen the window the planted race needs
                entries.put(index, e);
            }
            e.uses++;
            return e;
        }
        return entries.compute(index, (k, e) -> {
            if (e == null) {
                e = new Entry(index);
                entryOf.put(e.lock, e);
            }
            e.uses++;
            return e;
        });
    }

    /** Gives back a use of {@code e}; the last one removes the entry. */
    private void unuse(Entry e) {
        if (bug == Bug.SECOND_LIVE_STATE) {
            if (--e.uses == 0) {
                e.dead = true;
                entries.remove(e.index);
            }
            return;
        }
        entries.computeIfPresent(e.index, (k, current) -> {
            if (current != e) {
                return current; // e was dropped already (DROP_WHILE_QUEUED only)
            }
            if (--e.uses > 0) {
                return e;
            }
            e.dead = true;
            return null;
        });
    }

    @Override
    public TestedLock get(int index) {
        return new KeyLock(index);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return "BrokenKeyedLock[" + bug + ", keys=" + entries.keySet() + "]";
    }

    /** An open watch and the use it counts. */
    private final class KeyWatch {
        final Watch watch;
        final Entry entry;
        final AtomicBoolean closed = new AtomicBoolean();

        KeyWatch(Watch watch, Entry entry) {
            this.watch = watch;
            this.entry = entry;
        }
    }

    /** The lock of one key. */
    private final class KeyLock implements TestedLock {
        final int index;

        KeyLock(int index) {
            this.index = index;
        }

        @Override
        public Object tryAcquire(MultiLockType type) {
            Entry e = use(index);
            Optional<Handle> h = e.lock.tryAcquire(type);
            if (h.isEmpty()) {
                unuse(e);
                return null;
            }
            return h.get();
        }

        @Override
        public CompletableFuture<Object> acquire(MultiLockType type) {
            Entry e = use(index);
            CompletableFuture<Handle> f = e.lock.acquire(type);
            if (bug == Bug.DROP_WHILE_QUEUED && !f.isDone()) {
                unuse(e); // the bug: a queued request is not a use...
                f.thenRun(() -> e.uses++); // ...until granted, on whatever entry it was
            }
            // Completed from outside (cancel, timeout, complete(null)): the request is
            // withdrawn, or its grant given back by the lock, so its use ends.
            f.whenComplete((h, failure) -> {
                if (failure != null || h == null) {
                    unuse(e);
                }
            });
            @SuppressWarnings("unchecked")
            CompletableFuture<Object> token = (CompletableFuture<Object>) (CompletableFuture<?>) f;
            return token;
        }

        @Override
        public boolean release(Object token) {
            Handle h = (Handle) token;
            Entry e = entryOf.get(h.lock());
            if (bug == Bug.DROP_WHILE_QUEUED) {
                if (!h.isHeld()) {
                    return false;
                }
                unuse(e); // the bug: the use ends before the lock is released
                return h.release();
            }
            boolean released = h.release();
            if (released) {
                unuse(e);
            }
            return released;
        }

        @Override
        public boolean downgrade(Object token) {
            return ((Handle) token).downgrade();
        }

        @Override
        public MultiLockType locked() {
            Entry e = entries.get(index);
            return e == null ? MultiLockType.NONE : e.lock.locked();
        }

        @Override
        public int queueLength() {
            Entry e = entries.get(index);
            return e == null ? 0 : e.lock.queueLength();
        }

        @Override
        public Object watch(MultiLockType type) {
            Entry e = use(index);
            return new KeyWatch(e.lock.watch(type), e);
        }

        @Override
        public boolean isSet(Object watch) {
            return ((KeyWatch) watch).watch.isSet();
        }

        @Override
        public void clear(Object watch) {
            ((KeyWatch) watch).watch.clear();
        }

        @Override
        public void close(Object watch) {
            KeyWatch w = (KeyWatch) watch;
            w.watch.close();
            if (w.closed.compareAndSet(false, true)) {
                unuse(w.entry);
            }
        }

        @Override
        public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
            Entry e = use(index);
            CompletableFuture<Void> f = e.lock.whenAcquirable(type);
            f.whenComplete((v, failure) -> unuse(e));
            return f;
        }

        @Override
        public String toString() {
            Entry e = entries.get(index);
            return "k" + index + ": " + (e == null ? "idle" : e.lock.toString());
        }
    }
}
