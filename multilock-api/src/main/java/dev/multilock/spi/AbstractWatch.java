package dev.multilock.spi;

import dev.multilock.MultiLockType;
import dev.multilock.Watch;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The flag and the pending {@link #awaitSet()} futures of a {@link Watch}, shared by the watches
 * of lock implementations and of lock sets. Subclasses decide when the flag is raised
 * ({@link #raise()}) and where the waiting futures are completed ({@link #completeAwaiters()}),
 * so that an implementation can complete them on its own trampoline.
 *
 * @since 0.1.0
 */
public abstract class AbstractWatch implements Watch {
    /*
     * Implementation notes.
     *
     * set: volatile boolean; raise() writes true, clear() writes false, in any order: the flag
     * is level-triggered and a lost race between the two is indistinguishable from the clear
     * coming just before or after the raise.
     *
     * awaiters: an immutable linked list (each node's next is final), pushed by CAS, taken
     * whole by CAS; CLOSED once closed, after which nothing is pushed and raise() leaves the
     * flag alone (a raise that read the list just before the close may still set it). A push
     * links past completed (cancelled, timed out) nodes at the top, so repeated
     * awaitSet().orTimeout(...) on a watch that never fires does not grow the list.
     *
     * Lost wake-up: awaitSet pushes, then reads set; raise writes set, then the owner of the
     * raise calls completeAwaiters, which reads the list. Both are volatile, so one sees the
     * other and the future is completed by one of them.
     */

    /** A pending {@link #awaitSet()} future; an immutable list node. */
    private static final class Node {
        final CompletableFuture<Void> future;
        final @Nullable Node next;

        Node(CompletableFuture<Void> future, @Nullable Node next) {
            this.future = future;
            this.next = next;
        }
    }

    private static final Node CLOSED = new Node(new CompletableFuture<>(), null);

    private final MultiLockType type;
    private volatile boolean set;
    /** The pending futures, newest first; null when there are none; CLOSED once closed. */
    private volatile @Nullable Node awaiters;

    /**
     * Creates an unset watch of {@code type}.
     *
     * @param type the watched mode
     * @throws NullPointerException if {@code type} is null
     */
    protected AbstractWatch(MultiLockType type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public final MultiLockType type() {
        return type;
    }

    @Override
    public final boolean isSet() {
        return set;
    }

    @Override
    public final void clear() {
        set = false;
    }

    @Override
    public final CompletableFuture<Void> awaitSet() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (set && !isClosed()) {
            f.complete(null);
            return f;
        }
        for (;;) {
            Node top = awaiters;
            if (top == CLOSED) {
                f.cancel(false);
                return f;
            }
            if (AWAITERS.weakCompareAndSet(this, top, new Node(f, skipDone(top)))) {
                break;
            }
        }
        if (set) {
            completeAwaiters(); // raised while we pushed: do not leave f waiting
        }
        return f;
    }

    private static @Nullable Node skipDone(@Nullable Node n) {
        while (n != null && n.future.isDone()) {
            n = n.next;
        }
        return n;
    }

    /**
     * Tells whether this watch has been closed.
     *
     * @return {@code true} once {@link #close()} has begun
     */
    protected final boolean isClosed() {
        return awaiters == CLOSED;
    }

    /**
     * Sets the flag, unless the watch is closed.
     *
     * @return whether {@link #awaitSet()} futures are pending, which the caller must then complete
     *     with {@link #completeAwaiters()}, here or later
     */
    protected final boolean raise() {
        Node top = awaiters;
        if (top == CLOSED) {
            return false;
        }
        set = true;
        return awaiters != null;
    }

    /** Completes every pending {@link #awaitSet()} future; runs their continuations here. */
    protected final void completeAwaiters() {
        for (;;) {
            Node top = awaiters;
            if (top == null || top == CLOSED) {
                return;
            }
            if (AWAITERS.compareAndSet(this, top, (Node) null)) {
                for (Node n = top; n != null; n = n.next) {
                    n.future.complete(null);
                }
                return;
            }
        }
    }

    /**
     * Stops watching: the subclass unregisters in {@link #onClose()}, then every pending
     * {@link #awaitSet()} future is cancelled. Idempotent; throws nothing.
     */
    @Override
    public final void close() {
        Node top = (Node) AWAITERS.getAndSet(this, CLOSED);
        if (top == CLOSED) {
            return;
        }
        onClose();
        for (Node n = top; n != null; n = n.next) {
            n.future.cancel(false);
        }
    }

    /** Unregisters this watch from what it watches; called once, by the first {@link #close()}. */
    protected abstract void onClose();

    // VarHandle mechanics
    private static final VarHandle AWAITERS;
    static {
        try {
            AWAITERS = MethodHandles.lookup()
                    .findVarHandle(AbstractWatch.class, "awaiters", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
