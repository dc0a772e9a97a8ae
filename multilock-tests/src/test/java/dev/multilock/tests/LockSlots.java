package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * The Lincheck suites' harness: a {@link TestedLock} and, for each thread of a scenario, a slot
 * with the handles it holds and the requests it waits for.
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
 * the oldest one granted and moves its handle to the held ones. {@link SequentialLock} keeps the
 * same slots.
 */
final class LockSlots {

    /** Slots: the init part, up to six parallel threads, and the post part. */
    static final int SLOTS = 8;

    /** What one thread of the scenario holds, has released and waits for. */
    private static final class Slot {
        /** Tokens held, newest last. */
        final Deque<Object> held = new ArrayDeque<>();
        /** The newest token released, or null. */
        Object released;
        /** Requests that had to wait, oldest first. */
        final Deque<CompletableFuture<Object>> pending = new ArrayDeque<>();
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
        slots[thread].held.addLast(token);
        return true;
    }

    /** Releases the newest held handle, or the newest released one again (false). */
    boolean release(int thread) {
        Slot slot = slots[thread];
        Object token = slot.held.pollLast();
        if (token == null) {
            return slot.released != null && lock.release(slot.released);
        }
        slot.released = token;
        return lock.release(token);
    }

    /** Downgrades the newest held handle, or the newest released one (false). */
    boolean downgrade(int thread) {
        Slot slot = slots[thread];
        Object token = slot.held.peekLast();
        if (token == null) {
            return slot.released != null && lock.downgrade(slot.released);
        }
        return lock.downgrade(token);
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
        slots[thread].pending.addLast(lock.acquire(type));
    }

    /**
     * Cancels the oldest waiting request; returns whether that withdrew it. If it had been
     * granted, the cancel fails and its handle is held from now on.
     */
    boolean cancel(int thread) {
        Slot slot = slots[thread];
        CompletableFuture<Object> f = slot.pending.pollFirst();
        if (f == null) {
            return false;
        }
        boolean withdrawn = f.cancel(false);
        if (!withdrawn) {
            slot.held.addLast(f.join());
        }
        return withdrawn;
    }

    /** Whether the oldest waiting request has been granted; if so its handle is held. */
    boolean isGranted(int thread) {
        Slot slot = slots[thread];
        CompletableFuture<Object> f = slot.pending.peekFirst();
        if (f == null || !f.isDone()) {
            return false;
        }
        slot.pending.pollFirst();
        slot.held.addLast(f.join());
        return true;
    }

    /**
     * At quiescence (after the post part): the queue length is exact, every request is
     * withdrawn or granted, every handle released, and then nothing is left (API.md rule 3):
     * the lock is NONE with an empty queue.
     *
     * @throws IllegalStateException naming the broken invariant
     */
    void checkNothingLeaks() {
        int waiting = 0;
        for (Slot slot : slots) {
            for (CompletableFuture<Object> f : slot.pending) {
                if (!f.isDone()) {
                    waiting++;
                }
            }
        }
        if (lock.queueLength() != waiting) {
            throw new IllegalStateException("queueLength() at quiescence is "
                    + lock.queueLength() + ", but " + waiting + " requests wait: " + lock);
        }
        for (Slot slot : slots) {
            for (CompletableFuture<Object> f; (f = slot.pending.pollFirst()) != null; ) {
                if (!f.cancel(false)) {
                    slot.held.addLast(f.join());
                }
            }
        }
        for (Slot slot : slots) {
            for (Object token; (token = slot.held.pollLast()) != null; ) {
                if (!lock.release(token)) {
                    throw new IllegalStateException("a held handle was released already: " + lock);
                }
            }
        }
        if (lock.locked() != MultiLockType.NONE || lock.queueLength() != 0) {
            throw new IllegalStateException(
                    "leak: with every request done and every handle released, " + lock);
        }
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
