package dev.multilock.lockfree;

import dev.multilock.MultiLockType;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A thread that waits for its own request ({@code lock}, {@code lockInterruptibly},
 * {@code tryLock}): the queue node, and the only place where multilock waits on a thread (API.md,
 * W1). The grant wakes the thread itself: {@link #deliver()} publishes the handle and unparks it;
 * no future is involved.
 *
 * <p>The thread spins briefly ({@link #SPINS} checks), then parks. It never waits inside
 * {@code synchronized}, so a virtual thread unmounts while it waits. Only this thread waits, and
 * only for its own request: the lock's operations never wait for it (a releaser grants, queues
 * the delivery and goes on).
 */
final class ThreadWaiter implements Node {
    /*
     * Implementation notes.
     *
     * status: as every Node (WAITING -> GRANTED by the queue's owner, WAITING -> WITHDRAWN by
     * this thread on a timeout or an interrupt), by CAS. handle: null until deliver() writes it
     * (volatile), after the owner's publishing CAS; the thread returns when it reads it. A thread
     * that fails to withdraw (the CAS finds GRANTED) has been granted: the delivery follows
     * shortly (the owner completes it right after its last CAS), and the thread waits for it
     * without timeout or interrupt, then returns the grant (W4).
     *
     * Spinning: a hand-off between two running threads often completes within a few hundred
     * nanoseconds; parking and unparking costs microseconds. SPINS bounds the spin, tuned by
     * run.sh spins (ContentionBenchmark, lock(), 2-vCPU VM): at 2 threads 90:10, 0 to 128 spins
     * measured 1.7 to 6.5 us per operation (most hand-offs parked), 256 measured 185 ns
     * (161-211 over forks) and 1,024 212 ns; at 4 threads 50:50, 256 gave 1.7 us and 1,024
     * 1.2 us, within each other's spread. LockSupport.park tolerates a spurious
     * return, so every wake-up re-reads handle.
     */

    /**
     * Checks of {@code handle} before the first park; see the notes. The system property
     * {@code multilock.lockfree.spins} overrides it, for the benchmark that tunes it.
     */
    static final int SPINS = Math.max(0, Integer.getInteger("multilock.lockfree.spins", 256));

    /**
     * {@code Thread::isVirtual} where the JDK has it (21+), else null: a virtual thread does not
     * spin, since its spin holds a carrier that the thread it waits for may need.
     */
    private static final @Nullable MethodHandle IS_VIRTUAL = isVirtualHandle();

    final LockFreeMultiLock lock;
    final MultiLockType type;
    private final Thread thread;
    /** {@link #SPINS}, or 0 on a virtual thread. */
    private final int spins;
    volatile int status;
    private @Nullable Node next; // see Node: ordered by the lock's CASes
    /** The grant, once delivered; null before. */
    private volatile @Nullable LockFreeHandle handle;
    /** The JFR event of this wait, or null; written before the push, read by the winner. */
    private @Nullable Object event;

    ThreadWaiter(LockFreeMultiLock lock, MultiLockType type) {
        this.lock = lock;
        this.type = type;
        this.thread = Thread.currentThread();
        this.spins = isVirtual(thread) ? 0 : SPINS;
    }

    private static @Nullable MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException beforeJdk21) {
            return null;
        }
    }

    /**
     * Initializes this class and what its waits use, and links the call of
     * {@code Thread.isVirtual}, so that no waiting thread does either (see the static
     * initializer of {@link LockFreeMultiLock}, which calls this).
     */
    static void prepare() {
        isVirtual(Thread.currentThread());
        WaitEvents.prepare();
    }

    private static boolean isVirtual(Thread t) {
        MethodHandle h = IS_VIRTUAL;
        if (h == null) {
            return false;
        }
        try {
            return (boolean) h.invokeExact(t);
        } catch (Throwable unexpected) {
            return false; // a plain method without side effects; treat as a platform thread
        }
    }

    @Override
    public MultiLockType type() {
        return type;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public boolean claim() {
        return STATUS.compareAndSet(this, WAITING, GRANTED);
    }

    @Override
    public @Nullable Node next() {
        return next;
    }

    @Override
    public void setNext(@Nullable Node next) {
        this.next = next;
    }

    @Override
    public void queued(long ahead) {
        event = WaitEvents.begin(ahead); // published with the node by the push
    }

    /** Hands the grant to the waiting thread and wakes it. */
    @Override
    public void deliver() {
        handle = new LockFreeHandle(lock, type);
        LockSupport.unpark(thread);
    }

    /**
     * Waits, on the thread that made the request, until the grant arrives or, if allowed, the
     * deadline passes or the thread is interrupted, which withdraws the request.
     *
     * @param interruptible whether an interrupt withdraws the request (else it is kept, and the
     *     interrupt status is set again on return)
     * @param deadline the {@link System#nanoTime()} to give up at, if {@code timed}
     * @param timed whether there is a deadline
     * @return the grant's handle, or null if the deadline passed and the request was withdrawn
     * @throws InterruptedException if interruptible and interrupted before the grant; the
     *     request is withdrawn then
     */
    @Nullable LockFreeHandle await(boolean interruptible, boolean timed, long deadline)
            throws InterruptedException {
        for (int i = 0; i < spins; i++) {
            LockFreeHandle h = handle;
            if (h != null) {
                return granted(h);
            }
            Thread.onSpinWait();
        }
        boolean interrupted = false;
        try {
            for (;;) {
                LockFreeHandle h = handle;
                if (h != null) {
                    return granted(h);
                }
                if (Thread.interrupted()) {
                    if (interruptible && withdraw()) {
                        throw new InterruptedException();
                    }
                    interrupted = true; // lock(): keep waiting; or granted: take the grant
                }
                if (timed && status == WAITING) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        if (withdraw()) {
                            return null;
                        }
                        continue; // granted meanwhile: the delivery is on its way
                    }
                    LockSupport.parkNanos(this, remaining);
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Ends the wait's JFR event on the waiting thread, so that its stack trace shows where the
     * thread waited.
     */
    private LockFreeHandle granted(LockFreeHandle h) {
        WaitEvents.end(event, lock, type, WaitEvents.GRANTED);
        return h;
    }

    /** Withdraws the request if it still waits; false if it was granted. */
    private boolean withdraw() {
        if (STATUS.compareAndSet(this, WAITING, WITHDRAWN)) {
            WaitEvents.end(event, lock, type, WaitEvents.WITHDRAWN);
            lock.withdraw();
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "ThreadWaiter[" + type + ", " + thread.getName() + ", status=" + status + "] of "
                + lock;
    }

    // VarHandle mechanics
    private static final VarHandle STATUS;
    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(ThreadWaiter.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
