package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * The Lincheck suites' harness: a {@link TestedLock} and, for each thread of a scenario, a slot
 * with the handles it holds, the requests it waits for and the watches it keeps open.
 *
 * <p>Every operation names the slot of the thread that runs it ({@code thread}, from Lincheck's
 * {@code ThreadIdGen}: 0 for the init part, 1 to n for the parallel threads, n + 1 for the post
 * part) and touches only that slot, so the harness shares nothing between the parallel threads
 * and adds no race of its own: every race Lincheck sees is the lock's. Once Lincheck has
 * minimized a failing scenario, an operation of a parallel thread may show up in the init or post
 * part with that thread's number (seen in practice); that is still race-free, since the init part
 * happens-before the parallel part, which happens-before the post part.
 *
 * <p>A thread releases or downgrades its newest held handle; with none held it releases (or
 * downgrades) its newest released handle again, which must return {@code false}. Waiting
 * requests stay in the slot, oldest first, until {@link #isGranted} or {@link #cancel} finds
 * the oldest one granted and moves its handle to the held ones. Watches stay open until the
 * thread closes its newest open one; with none open it closes its newest closed one again. A
 * watch's flag is not an operation's result: it is raised by a read of the lock some time after
 * the change that made its mode acquirable, so an observer can see the lock free and the flag
 * down (see {@link KeyedLockOperations}); {@link #checkNothingLeaks()} checks it at quiescence
 * instead. {@link SequentialLock} keeps the same slots.
 */
final class LockSlots {

    /** Slots: the init part, up to six parallel threads, and the post part. */
    static final int SLOTS = 8;

    /**
     * A held token and the mode it holds (SHARED once downgraded). (This and the two below are
     * small classes, not records: Lincheck cannot see into the fields of a record.)
     */
    private static final class Hold {
        final Object token;
        MultiLockType type;

        Hold(Object token, MultiLockType type) {
            this.token = token;
            this.type = type;
        }
    }

    /** A request that had to wait, and its mode. */
    private static final class Request {
        final CompletableFuture<Object> future;
        final MultiLockType type;

        Request(CompletableFuture<Object> future, MultiLockType type) {
            this.future = future;
            this.type = type;
        }
    }

    /** A watch and its mode. */
    private static final class OpenWatch {
        final Object watch;
        final MultiLockType type;

        OpenWatch(Object watch, MultiLockType type) {
            this.watch = watch;
            this.type = type;
        }
    }

    /** What one thread of the scenario holds, has released, waits for and watches. */
    private static final class Slot {
        /** Tokens held, newest last. */
        final Deque<Hold> held = new ArrayDeque<>();
        /** The newest token released, or null. */
        Object released;
        /** Requests that had to wait, oldest first. */
        final Deque<Request> pending = new ArrayDeque<>();
        /** Watches open, newest last. */
        final Deque<OpenWatch> watches = new ArrayDeque<>();
        /** The newest watch closed, or null. */
        Object closed;

        /** Whether this slot keeps its lock in use: a hold, a request or an open watch. */
        boolean uses() {
            return !held.isEmpty() || !pending.isEmpty() || !watches.isEmpty();
        }
    }

    private final TestedLock lock;
    private final Slot[] slots = new Slot[SLOTS];

    LockSlots(TestedLock lock) {
        this.lock = lock;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot();
        }
    }

    TestedLock lock() {
        return lock;
    }

    /** Acquires now or returns false; never waits. */
    boolean tryAcquire(MultiLockType type, int thread) {
        Object token = lock.tryAcquire(type);
        if (token == null) {
            return false;
        }
        slots[thread].held.addLast(new Hold(token, type));
        return true;
    }

    /** Releases the newest held handle, or the newest released one again (false). */
    boolean release(int thread) {
        Slot slot = slots[thread];
        Hold hold = slot.held.pollLast();
        if (hold == null) {
            return slot.released != null && lock.release(slot.released);
        }
        slot.released = hold.token;
        return lock.release(hold.token);
    }

    /** Downgrades the newest held handle, or the newest released one (false). */
    boolean downgrade(int thread) {
        Slot slot = slots[thread];
        Hold hold = slot.held.peekLast();
        if (hold == null) {
            return slot.released != null && lock.downgrade(slot.released);
        }
        boolean downgraded = lock.downgrade(hold.token);
        if (downgraded) {
            hold.type = MultiLockType.SHARED;
        }
        return downgraded;
    }

    MultiLockType locked() {
        return lock.locked();
    }

    int queueLength() {
        return lock.queueLength();
    }

    /**
     * Requests {@code type} and keeps the future. Reports nothing: a future already done on
     * return may still have waited (queued, then granted by its own drain before the call
     * returned), so "done at once" is not "granted at once".
     */
    void acquire(MultiLockType type, int thread) {
        slots[thread].pending.addLast(new Request(lock.acquire(type), type));
    }

    /**
     * Cancels the oldest waiting request; returns whether that withdrew it. If it had been
     * granted, the cancel fails and its handle is held from now on.
     */
    boolean cancel(int thread) {
        Slot slot = slots[thread];
        Request r = slot.pending.pollFirst();
        if (r == null) {
            return false;
        }
        boolean withdrawn = r.future.cancel(false);
        if (!withdrawn) {
            slot.held.addLast(new Hold(r.future.join(), r.type));
        }
        return withdrawn;
    }

    /** Whether the oldest waiting request has been granted; if so its handle is held. */
    boolean isGranted(int thread) {
        Slot slot = slots[thread];
        Request r = slot.pending.peekFirst();
        if (r == null || !r.future.isDone()) {
            return false;
        }
        slot.pending.pollFirst();
        slot.held.addLast(new Hold(r.future.join(), r.type));
        return true;
    }

    /** Opens a watch of {@code type}; it stays open until {@link #close} or the validation. */
    void watch(MultiLockType type, int thread) {
        slots[thread].watches.addLast(new OpenWatch(lock.watch(type), type));
    }

    /**
     * Closes the newest open watch and returns true; with none open, closes the newest closed
     * one again (which must change nothing) and returns false.
     */
    boolean close(int thread) {
        Slot slot = slots[thread];
        OpenWatch w = slot.watches.pollLast();
        if (w == null) {
            if (slot.closed != null) {
                lock.close(slot.closed);
            }
            return false;
        }
        slot.closed = w.watch;
        lock.close(w.watch);
        return true;
    }

    /**
     * Whether some thread holds, waits for or watches the lock (for a keyed family: whether the
     * key must have live state, API.md K2). Exact at quiescence only.
     */
    boolean inUse() {
        for (Slot slot : slots) {
            if (slot.uses()) {
                return true;
            }
        }
        return false;
    }

    /**
     * At quiescence (after the post part), what the slots hold and wait for must be what the
     * lock says, in any interleaving that led here, linearizable or not:
     * <ul>
     *   <li>the queue length is exact;
     *   <li>exclusion (API.md rule 1): the granted holds are one EXCLUSIVE, or SHARED and NONE
     *       ones, and {@code locked()} is their maximum (NONE holds do not show);
     *   <li>no lost waiter (rule 2): if requests wait, the holders keep out at least one of them
     *       (the head of the queue; were every waiting request admitted, the head would have
     *       been granted);
     *   <li>no lost signal: every open watch whose mode is acquirable now is set.
     * </ul>
     * Then every request is withdrawn or granted, every handle released, and nothing is left
     * (rule 3): the lock is NONE with an empty queue, and every open watch is set; then the
     * watches are closed.
     *
     * @throws IllegalStateException naming the broken invariant
     */
    void checkNothingLeaks() {
        int exclusive = 0;
        int shared = 0;
        int waiting = 0;
        boolean waiterKeptOut = false;
        for (Slot slot : slots) {
            for (Hold h : slot.held) {
                exclusive += h.type == MultiLockType.EXCLUSIVE ? 1 : 0;
                shared += h.type == MultiLockType.SHARED ? 1 : 0;
            }
            for (Request r : slot.pending) {
                if (r.future.isDone()) {
                    exclusive += r.type == MultiLockType.EXCLUSIVE ? 1 : 0;
                    shared += r.type == MultiLockType.SHARED ? 1 : 0;
                }
            }
        }
        for (Slot slot : slots) {
            for (Request r : slot.pending) {
                if (!r.future.isDone()) {
                    waiting++;
                    waiterKeptOut |= exclusive > 0
                            || (r.type == MultiLockType.EXCLUSIVE && shared > 0);
                }
            }
        }
        if (lock.queueLength() != waiting) {
            throw new IllegalStateException("queueLength() at quiescence is "
                    + lock.queueLength() + ", but " + waiting + " requests wait: " + lock);
        }
        if (exclusive > 1 || (exclusive == 1 && shared > 0)) {
            throw new IllegalStateException("exclusion: at quiescence " + exclusive
                    + " EXCLUSIVE and " + shared + " SHARED holds are granted: " + lock);
        }
        MultiLockType holds = exclusive > 0 ? MultiLockType.EXCLUSIVE
                : shared > 0 ? MultiLockType.SHARED : MultiLockType.NONE;
        if (lock.locked() != holds) {
            throw new IllegalStateException("locked() at quiescence is " + lock.locked()
                    + ", but the granted holds make it " + holds + ": " + lock);
        }
        if (waiting > 0 && !waiterKeptOut) {
            throw new IllegalStateException("lost waiter: at quiescence " + waiting
                    + " requests wait, and the holders (" + holds + ") admit all: " + lock);
        }
        checkWatchesSet("at quiescence");
        for (Slot slot : slots) {
            for (Request r; (r = slot.pending.pollFirst()) != null; ) {
                if (!r.future.cancel(false)) {
                    slot.held.addLast(new Hold(r.future.join(), r.type));
                }
            }
        }
        for (Slot slot : slots) {
            for (Hold h; (h = slot.held.pollLast()) != null; ) {
                if (!lock.release(h.token)) {
                    throw new IllegalStateException("a held handle was released already: " + lock);
                }
            }
        }
        if (lock.locked() != MultiLockType.NONE || lock.queueLength() != 0) {
            throw new IllegalStateException(
                    "leak: with every request done and every handle released, " + lock);
        }
        checkWatchesSet("once every request was done and every handle released");
        for (Slot slot : slots) {
            for (OpenWatch w; (w = slot.watches.pollLast()) != null; ) {
                lock.close(w.watch);
            }
        }
    }

    /** Whether {@code type} is acquirable now; exact at quiescence only. */
    private boolean acquirable(MultiLockType type) {
        MultiLockType locked = lock.locked();
        return lock.queueLength() == 0 && locked != MultiLockType.EXCLUSIVE
                && (type != MultiLockType.EXCLUSIVE || locked == MultiLockType.NONE);
    }

    /**
     * Every open watch whose mode is acquirable now is set: a change that made it acquirable
     * raised it, or it was acquirable when the watch was created.
     */
    private void checkWatchesSet(String when) {
        for (Slot slot : slots) {
            for (OpenWatch w : slot.watches) {
                if (acquirable(w.type) && !lock.isSet(w.watch)) {
                    throw new IllegalStateException("lost signal: " + w.type + " is acquirable "
                            + when + ", but a watch of it is not set: " + lock);
                }
            }
        }
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
