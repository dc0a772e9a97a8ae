package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;

import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;

/**
 * The sequential specification of one lock, for {@link MultiLockStatefulProperties}, and of one
 * key's lock, for {@link KeyedStatefulProperties}: the rules of API.md and nothing else, in the
 * plainest code there is. A FIFO list of waiting requests, a list
 * (a multiset) of holders, the watches and the {@code whenAcquirable} waits:
 *
 * <ul>
 *   <li>A new request enters at once iff nobody waits and the holders admit it (rule 2); else
 *       {@code acquire} queues it and {@code tryAcquire} fails.
 *   <li>The holders admit a type iff {@code locked().includes(type)}: nothing is let in beside an
 *       EXCLUSIVE holder, and an EXCLUSIVE one only beside NONE holders (rule 1).
 *   <li>After every release, withdrawal and downgrade (and only then), the queue's head enters
 *       while the holders admit it, so a run of compatible waiters enters together (rule 2); then
 *       every open watch whose type is acquirable is set, and every pending wait whose type is
 *       acquirable completes. A release that returns false changes nothing.
 *   <li>A future completed from outside while it waits is withdrawn (rule 3); one already done
 *       keeps its outcome.
 *   <li>The calls that wait on a thread, on one thread: {@code lock} is only asked where it is
 *       granted at once ({@link #tryAcquire}); a {@code tryLock} with a timeout is a request
 *       that is queued and, if it had to wait, withdrawn when its time is up ({@link #tryLock}).
 * </ul>
 *
 * <p>A family of keyed locks is a model per key: {@link #inUse()} says whether the family must keep
 * the key's state (API.md, K2), so the family's {@code size()} is the number of keys in use.
 *
 * <p>Nothing here is concurrent, so there are no races to model: the model is what the lock must
 * look like whenever no call is in flight.
 */
final class LockModel {

    /** How an acquisition's future ended, or that it has not. */
    enum Outcome {
        PENDING,
        GRANTED,
        /** {@code cancel} from outside. */
        CANCELLED,
        /** {@code completeExceptionally(new TimeoutException())} from outside, as by orTimeout. */
        TIMED_OUT,
        /** {@code complete(null)} from outside. */
        COMPLETED_OUTSIDE
    }

    /** One acquisition: an {@code acquire} request, or a {@code tryAcquire} that succeeded. */
    static final class Request {
        final int id;
        final MultiLockType type;
        Outcome outcome = Outcome.PENDING;
        boolean downgraded;
        boolean released;

        Request(int id, MultiLockType type) {
            this.id = id;
            this.type = type;
        }

        /** The mode it holds (or held): its own, or SHARED once downgraded. */
        MultiLockType holds() {
            return downgraded ? SHARED : type;
        }

        boolean isHeld() {
            return outcome == Outcome.GRANTED && !released;
        }

        @Override
        public String toString() {
            return "#" + id + " " + holds();
        }
    }

    /** A watch: its flag, and whether it is closed. */
    static final class Flag {
        final MultiLockType type;
        boolean set;
        boolean closed;

        Flag(MultiLockType type) {
            this.type = type;
        }
    }

    /** A {@code whenAcquirable} future. */
    static final class Wait {
        final MultiLockType type;
        boolean done;
        boolean cancelled;

        Wait(MultiLockType type) {
            this.type = type;
        }
    }

    private final List<Request> queue = new ArrayList<>();
    private final List<Request> holders = new ArrayList<>();
    private final List<Flag> flags = new ArrayList<>();
    private final List<Wait> waits = new ArrayList<>();
    private int nextId;

    // ---- the operations ----

    Request acquire(MultiLockType type) {
        Request r = new Request(nextId++, type);
        if (acquirable(type)) {
            grant(r);
        } else {
            queue.add(r);
        }
        return r;
    }

    /** Returns the new acquisition, or null if it cannot be taken now. */
    Request tryAcquire(MultiLockType type) {
        if (!acquirable(type)) {
            return null;
        }
        Request r = new Request(nextId++, type);
        grant(r);
        return r;
    }

    /**
     * A {@code tryLock} with a timeout on one thread, where nobody else can let it in: granted at
     * once as {@link #acquire}, or queued and, when its time is up, withdrawn (as a timeout from
     * outside), which lets in and signals what any withdrawal does.
     */
    Request tryLock(MultiLockType type) {
        Request r = acquire(type);
        if (r.outcome == Outcome.PENDING) {
            completeFromOutside(r, Outcome.TIMED_OUT);
        }
        return r;
    }

    boolean release(Request r) {
        if (!r.isHeld()) {
            return false;
        }
        r.released = true;
        holders.remove(r);
        afterChange();
        return true;
    }

    boolean downgrade(Request r) {
        if (!r.isHeld() || r.holds() != EXCLUSIVE) {
            return false;
        }
        r.downgraded = true;
        afterChange();
        return true;
    }

    /** The request's future is completed from outside ({@code how}): withdraw it if it waits. */
    void completeFromOutside(Request r, Outcome how) {
        if (r.outcome != Outcome.PENDING) {
            return;
        }
        r.outcome = how;
        queue.remove(r);
        afterChange();
    }

    Flag watch(MultiLockType type) {
        Flag f = new Flag(type);
        f.set = acquirable(type);
        flags.add(f);
        return f;
    }

    void clear(Flag f) {
        f.set = false;
    }

    void close(Flag f) {
        f.closed = true;
    }

    Wait whenAcquirable(MultiLockType type) {
        Wait w = new Wait(type);
        w.done = acquirable(type);
        waits.add(w);
        return w;
    }

    void cancel(Wait w) {
        if (!w.done) {
            w.cancelled = true;
        }
    }

    // ---- what can be observed ----

    MultiLockType locked() {
        MultiLockType max = NONE;
        for (Request h : holders) {
            max = MultiLockType.max(max, h.holds());
        }
        return max;
    }

    int queueLength() {
        return queue.size();
    }

    /**
     * Whether a keyed family must keep this lock's state (API.md, K2): it has a holder of any
     * mode (a NONE holder too, though {@link #locked()} does not show it), a waiting request, an
     * open watch or a pending {@code whenAcquirable}.
     */
    boolean inUse() {
        if (!holders.isEmpty() || !queue.isEmpty()) {
            return true;
        }
        for (Flag f : flags) {
            if (!f.closed) {
                return true;
            }
        }
        for (Wait w : waits) {
            if (!w.done && !w.cancelled) {
                return true;
            }
        }
        return false;
    }

    /** Whether a tryAcquire of {@code type} would succeed now. */
    boolean acquirable(MultiLockType type) {
        return queue.isEmpty() && admits(type);
    }

    // ---- the rules ----

    private boolean admits(MultiLockType type) {
        return locked().includes(type);
    }

    private void grant(Request r) {
        r.outcome = Outcome.GRANTED;
        holders.add(r);
    }

    /** After a release, withdrawal or downgrade: the head run enters, then watchers hear. */
    private void afterChange() {
        while (!queue.isEmpty() && admits(queue.get(0).type)) {
            grant(queue.remove(0));
        }
        for (Flag f : flags) {
            if (!f.closed && acquirable(f.type)) {
                f.set = true;
            }
        }
        for (Wait w : waits) {
            if (!w.done && !w.cancelled && acquirable(w.type)) {
                w.done = true;
            }
        }
    }

    @Override
    public String toString() {
        return "locked=" + locked() + " holders=" + holders + " queue=" + queue;
    }
}
