package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A plain monitor-based shared/exclusive lock with the contract of {@code MultiLock}, for
 * negative controls: correct with {@link Bug#NONE}, and wrong in exactly one way with any other
 * {@link Bug}. The suites that must catch a broken lock run against it and assert that they
 * fail. Test code only: it uses {@code synchronized}, which the real lock never does.
 */
final class BrokenLock implements TestedLock {

    /** The planted bug. */
    enum Bug {
        /** No bug: a correct (blocking-inside) lock, to show the suites accept it. */
        NONE,
        /** tryAcquire and release read the holder word and write it back, instead of a CAS. */
        RACY_READ_THEN_WRITE,
        /** tryAcquire ignores the waiters: a new request barges past the queue (no FIFO). */
        BARGING,
        /** A withdrawn request is not removed: the waiters behind it stay blocked. */
        LOST_WITHDRAWAL
    }

    /** An acquisition. */
    static final class Token {
        final MultiLockType granted;
        volatile boolean downgraded;
        volatile boolean released;

        Token(MultiLockType granted) {
            this.granted = granted;
        }

        MultiLockType type() {
            return downgraded ? MultiLockType.SHARED : granted;
        }
    }

    /** A queued request. */
    private static final class Request {
        final MultiLockType type;
        final CompletableFuture<Object> future = new CompletableFuture<>();

        Request(MultiLockType type) {
            this.type = type;
        }
    }

    /** A watch. */
    private static final class BrokenWatch {
        final MultiLockType type;
        volatile boolean set;

        BrokenWatch(MultiLockType type) {
            this.type = type;
        }
    }

    private final Bug bug;
    /** Holders: -1 for one exclusive holder, else the number of shared holders. */
    private volatile int holders;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final List<BrokenWatch> watches = new ArrayList<>();
    private final List<Request> acquirableWaiters = new ArrayList<>();

    BrokenLock(Bug bug) {
        this.bug = bug;
    }

    private static boolean admits(int holders, MultiLockType type) {
        return holders >= 0 && (type != MultiLockType.EXCLUSIVE || holders == 0);
    }

    private static int add(int holders, MultiLockType type) {
        return type == MultiLockType.EXCLUSIVE ? -1
                : type == MultiLockType.SHARED ? holders + 1 : holders;
    }

    private static int remove(int holders, MultiLockType type) {
        return type == MultiLockType.EXCLUSIVE ? 0
                : type == MultiLockType.SHARED ? holders - 1 : holders;
    }

    @Override
    public Object tryAcquire(MultiLockType type) {
        if (bug == Bug.RACY_READ_THEN_WRITE) {
            int h = holders; // read ...
            if (!admits(h, type) || hasWaiters()) {
                return null;
            }
            Thread.yield(); // widen the window the planted race needs
            holders = add(h, type); // ... then write: a lost update
            return new Token(type);
        }
        synchronized (this) {
            if (!admits(holders, type) || (bug != Bug.BARGING && !queue.isEmpty())) {
                return null;
            }
            holders = add(holders, type);
            return new Token(type);
        }
    }

    private synchronized boolean hasWaiters() {
        return !queue.isEmpty();
    }

    @Override
    public CompletableFuture<Object> acquire(MultiLockType type) {
        Request r = new Request(type);
        synchronized (this) {
            if (queue.isEmpty() && admits(holders, type)) {
                holders = add(holders, type);
                r.future.complete(new Token(type));
                return r.future;
            }
            queue.add(r);
        }
        r.future.whenComplete((v, e) -> {
            // completed from outside (cancel, timeout, completeExceptionally or complete with
            // anything but a token of this lock's grant): withdraw the request (rule 3)
            if ((e != null || !(v instanceof Token)) && bug != Bug.LOST_WITHDRAWAL) {
                withdraw(r);
            }
        });
        return r.future;
    }

    private void withdraw(Request r) {
        List<Runnable> after;
        synchronized (this) {
            queue.remove(r);
            after = grant();
        }
        after.forEach(Runnable::run);
    }

    @Override
    public boolean release(Object token) {
        Token t = (Token) token;
        List<Runnable> after;
        synchronized (this) {
            if (t.released) {
                return false;
            }
            t.released = true;
            if (bug == Bug.RACY_READ_THEN_WRITE) {
                int h = holders;
                Thread.yield();
                holders = remove(h, t.type());
            } else {
                holders = remove(holders, t.type());
            }
            after = grant();
        }
        after.forEach(Runnable::run);
        return true;
    }

    @Override
    public boolean downgrade(Object token) {
        Token t = (Token) token;
        List<Runnable> after;
        synchronized (this) {
            if (t.released || t.downgraded || t.granted != MultiLockType.EXCLUSIVE) {
                return false;
            }
            t.downgraded = true;
            holders = 1;
            after = grant();
        }
        after.forEach(Runnable::run);
        return true;
    }

    /** Grants the admitted head run; returns the completions to run outside the monitor. */
    private List<Runnable> grant() {
        List<Runnable> after = new ArrayList<>();
        for (Request head; (head = queue.peek()) != null; ) {
            if (head.future.isDone() && bug != Bug.LOST_WITHDRAWAL) {
                queue.poll();
                continue;
            }
            if (!admits(holders, head.type)) {
                break;
            }
            Request granted = queue.poll();
            holders = add(holders, granted.type);
            Token token = new Token(granted.type);
            after.add(() -> {
                if (!granted.future.complete(token)) {
                    release(token); // completed from outside meanwhile
                }
            });
        }
        for (BrokenWatch w : watches) {
            if (queue.isEmpty() && admits(holders, w.type)) {
                w.set = true;
            }
        }
        for (Iterator<Request> it = acquirableWaiters.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (queue.isEmpty() && admits(holders, r.type)) {
                it.remove();
                after.add(() -> r.future.complete(null));
            }
        }
        return after;
    }

    @Override
    public MultiLockType locked() {
        int h = holders;
        return h < 0 ? MultiLockType.EXCLUSIVE : h > 0 ? MultiLockType.SHARED : MultiLockType.NONE;
    }

    @Override
    public synchronized int queueLength() {
        int n = 0;
        for (Request r : queue) {
            if (!r.future.isDone()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public synchronized Object watch(MultiLockType type) {
        BrokenWatch w = new BrokenWatch(type);
        w.set = queue.isEmpty() && admits(holders, type);
        watches.add(w);
        return w;
    }

    @Override
    public boolean isSet(Object watch) {
        return ((BrokenWatch) watch).set;
    }

    @Override
    public void clear(Object watch) {
        ((BrokenWatch) watch).set = false;
    }

    @Override
    public synchronized void close(Object watch) {
        watches.remove(watch);
    }

    @Override
    public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
        Request r = new Request(type);
        synchronized (this) {
            if (queue.isEmpty() && admits(holders, type)) {
                return CompletableFuture.completedFuture(null);
            }
            acquirableWaiters.add(r);
        }
        CompletableFuture<Void> f = r.future.thenApply(v -> null);
        f.whenComplete((v, e) -> {
            synchronized (this) {
                acquirableWaiters.remove(r);
            }
        });
        return f;
    }

    @Override
    public String toString() {
        return "BrokenLock[" + bug + ", " + locked() + ", queued=" + queueLength() + "]";
    }
}
