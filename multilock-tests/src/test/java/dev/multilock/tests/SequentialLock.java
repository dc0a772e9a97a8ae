package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The sequential specification of the Lincheck suites: the rules of API.md for one lock, one call
 * at a time, and nothing else. It has every operation of the Lincheck test classes
 * ({@link LockOperations}, {@link WaitingLockOperations}, {@link MultiLockLincheckTest},
 * {@link MultiLockLimitsLincheckTest}), with the same signatures, and keeps the same per-thread
 * slots as {@link LockSlots}; {@link SequentialKeyedLock} keeps one per key.
 *
 * <ul>
 *   <li>Holders: one EXCLUSIVE, or a count of SHARED; NONE holders keep nothing out and are not
 *       counted.
 *   <li>A new request is granted at once if and only if nobody waits and the holders admit it;
 *       otherwise {@code tryAcquire} fails and {@code acquire} joins the FIFO queue.
 *   <li>After every release, downgrade or withdrawal, the head of the queue and every waiter
 *       directly behind it that the holders admit are granted together.
 * </ul>
 *
 * <p>Lincheck compares states of this class with {@link #equals}, so the lock's transition system
 * stays small. Public, with a public constructor: Lincheck creates it by reflection without
 * setAccessible (a package-private class fails with IllegalAccessException).
 */
public final class SequentialLock {

    /** An acquisition held by a thread; a downgraded EXCLUSIVE one counts as SHARED. */
    private static final class Hold {
        final MultiLockType granted;
        boolean downgraded;

        Hold(MultiLockType granted) {
            this.granted = granted;
        }

        MultiLockType type() {
            return downgraded ? MultiLockType.SHARED : granted;
        }

        @Override
        public String toString() {
            return downgraded ? "X->S" : granted.name();
        }
    }

    /**
     * A request made with {@code acquire}; {@code hold} is set once it is granted, at once or later
     * from the queue.
     */
    private static final class Request {
        final MultiLockType type;
        Hold hold;

        Request(MultiLockType type) {
            this.type = type;
        }

        @Override
        public String toString() {
            return type + (hold != null ? "=granted" : "");
        }
    }

    /** What one thread of the scenario holds, waits for and watches (the modes of its watches). */
    private static final class Slot {
        final Deque<Hold> held = new ArrayDeque<>();
        final Deque<Request> pending = new ArrayDeque<>();
        final Deque<MultiLockType> watches = new ArrayDeque<>();

        @Override
        public String toString() {
            return held + "/" + pending + (watches.isEmpty() ? "" : "/watching " + watches);
        }
    }

    private boolean exclusive;
    private int shared;
    private final Deque<Request> queue = new ArrayDeque<>();
    private final Slot[] slots = new Slot[LockSlots.SLOTS];

    public SequentialLock() {
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
    }

    // ---- the rules ----

    private boolean admits(MultiLockType type) {
        return !exclusive && (type != MultiLockType.EXCLUSIVE || shared == 0);
    }

    private Hold hold(MultiLockType type) {
        if (type == MultiLockType.EXCLUSIVE) {
            exclusive = true;
        } else if (type == MultiLockType.SHARED) {
            shared++;
        }
        return new Hold(type);
    }

    private void unhold(MultiLockType type) {
        if (type == MultiLockType.EXCLUSIVE) {
            exclusive = false;
        } else if (type == MultiLockType.SHARED) {
            shared--;
        }
    }

    /** Grants the head of the queue and every waiter behind it the holders admit. */
    private void grant() {
        for (Request r; (r = queue.peek()) != null && admits(r.type); ) {
            queue.poll();
            r.hold = hold(r.type);
        }
    }

    // ---- operations of LockOperations ----

    public boolean tryAcquire(MultiLockType type, int thread) {
        if (!queue.isEmpty() || !admits(type)) {
            return false;
        }
        slots[thread].held.addLast(hold(type));
        return true;
    }

    public boolean release(int thread) {
        Hold h = slots[thread].held.pollLast();
        if (h == null) {
            return false; // nothing held, or only released handles: released twice
        }
        unhold(h.type());
        grant();
        return true;
    }

    public boolean downgrade(int thread) {
        Hold h = slots[thread].held.peekLast();
        if (h == null || h.granted != MultiLockType.EXCLUSIVE || h.downgraded) {
            return false;
        }
        h.downgraded = true;
        exclusive = false;
        shared++;
        grant();
        return true;
    }

    public MultiLockType locked() {
        return exclusive ? MultiLockType.EXCLUSIVE
                : shared > 0 ? MultiLockType.SHARED : MultiLockType.NONE;
    }

    public int queueLength() {
        return queue.size();
    }

    /** Of {@link MultiLockLincheckTest}: a handle of another lock is refused. */
    public void releaseForeign() {
        throw new IllegalArgumentException("a handle of another lock");
    }

    // ---- operations of WaitingLockOperations ----

    public void acquire(MultiLockType type, int thread) {
        Request r = new Request(type);
        if (queue.isEmpty() && admits(type)) {
            r.hold = hold(type);
        } else {
            queue.addLast(r);
        }
        slots[thread].pending.addLast(r);
    }

    public boolean cancel(int thread) {
        Slot slot = slots[thread];
        Request r = slot.pending.pollFirst();
        if (r == null) {
            return false;
        }
        if (r.hold != null) {
            slot.held.addLast(r.hold); // granted before the cancel: the cancel fails
            return false;
        }
        queue.remove(r);
        grant();
        return true;
    }

    public boolean isGranted(int thread) {
        Slot slot = slots[thread];
        Request r = slot.pending.peekFirst();
        if (r == null || r.hold == null) {
            return false;
        }
        slot.pending.pollFirst();
        slot.held.addLast(r.hold);
        return true;
    }

    // ---- watches (of SequentialKeyedLock): a watch changes nothing the others can see ----

    public void watch(MultiLockType type, int thread) {
        slots[thread].watches.addLast(type);
    }

    /** Closes the newest open watch; false if none is open. */
    public boolean close(int thread) {
        return slots[thread].watches.pollLast() != null;
    }

    /** Of {@link MultiLockLimitsLincheckTest}. */
    public boolean acquireAndCancel(MultiLockType type, int thread) {
        acquire(type, thread);
        return cancel(thread);
    }

    // ---- state equality, for Lincheck's transition system ----

    private List<Object> state() {
        List<Object> s = new ArrayList<>();
        s.add(exclusive);
        s.add(shared);
        List<String> q = new ArrayList<>();
        for (Request r : queue) {
            for (int t = 0; t < slots.length; t++) {
                if (slots[t].pending.contains(r)) {
                    q.add(t + ":" + r.type);
                }
            }
        }
        s.add(q);
        for (Slot slot : slots) {
            s.add(slot.toString());
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequentialLock && state().equals(((SequentialLock) o).state());
    }

    @Override
    public int hashCode() {
        return state().hashCode();
    }

    @Override
    public String toString() {
        return "SequentialLock" + state();
    }
}
