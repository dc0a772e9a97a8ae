package dev.multilock.lockfree;

import java.util.ArrayDeque;

/**
 * The per-thread queue of {@link Delivery deliveries} that makes grants stack-safe (API.md,
 * rule 4).
 *
 * <p>The first frame on a thread that has deliveries to make opens the trampoline and runs them
 * in a loop; a delivery's continuation that releases a lock again only queues the deliveries that
 * release enables, and returns. The outer loop picks them up right after, so the stack depth does
 * not grow with the length of a chain of hand-offs, whichever locks the chain passes through.
 *
 * <p>All state is confined to its thread: no field needs ordering.
 */
final class Trampoline {

    private static final ThreadLocal<Trampoline> CURRENT = ThreadLocal.withInitial(Trampoline::new);

    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private boolean running;

    private Trampoline() {}

    /** Returns this thread's trampoline. */
    static Trampoline current() {
        return CURRENT.get();
    }

    /** Queues {@code d}; it runs when this thread's open frame gets to it. */
    void add(Delivery d) {
        queue.add(d);
    }

    /**
     * Marks this thread as running deliveries, unless a frame further up already does.
     *
     * @return whether this call opened the trampoline; if so, the caller must {@link #close()}
     */
    boolean open() {
        if (running) {
            return false;
        }
        running = true;
        return true;
    }

    /** Runs every queued delivery, then lets another frame open the trampoline. */
    void close() {
        try {
            for (Delivery d; (d = queue.poll()) != null; ) {
                d.deliver();
            }
        } finally {
            running = false;
        }
    }

    /** Runs the queued deliveries now, unless a frame further up this thread is running them. */
    void runIfIdle() {
        if (open()) {
            close();
        }
    }
}
