package dev.multilock.postgres;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Where the futures of users are completed, so that no user code runs inside the library's own
 * bookkeeping ({@link ServerHold}'s serial section) or on a database session's thread.
 *
 * <ul>
 *   <li>On a thread doing the library's own work (a session's statement and what it completes),
 *       a delivery is handed to the executor: a continuation that blocks must not hold up a
 *       database session.
 *   <li>On any other thread (the user's, releasing a lock), it runs on that thread, as the
 *       lock-free lock does (API.md, rule 4), through a per-thread trampoline that
 *       {@link #open()} and {@link #close(boolean)} bracket around the library's bookkeeping:
 *       deliveries queue while the bookkeeping runs and run after it, and a continuation that
 *       releases again only queues what that enables, so a long chain of hand-offs runs in
 *       constant stack depth.
 * </ul>
 */
final class Deliveries {

    /** Set while this thread runs a database session's statement or what that completes. */
    private static final ThreadLocal<Boolean> LIBRARY_WORK = new ThreadLocal<>();
    private static final ThreadLocal<Trampoline> TRAMPOLINE =
            ThreadLocal.withInitial(Trampoline::new);

    private Deliveries() {}

    /** Runs {@code work} marked as the library's own: deliveries it makes go to an executor. */
    static void asLibraryWork(Runnable work) {
        Boolean outer = LIBRARY_WORK.get();
        LIBRARY_WORK.set(Boolean.TRUE);
        try {
            work.run();
        } finally {
            LIBRARY_WORK.set(outer);
        }
    }

    /**
     * Starts holding this thread's deliveries back, unless a frame further up already does.
     *
     * @return whether this call did; if so, the caller must {@link #close(boolean) close(true)}
     */
    static boolean open() {
        if (LIBRARY_WORK.get() != null) {
            return false;
        }
        Trampoline t = TRAMPOLINE.get();
        if (t.running) {
            return false;
        }
        t.running = true;
        return true;
    }

    /** Runs the deliveries held back since the matching {@link #open()}, if it opened. */
    static void close(boolean opened) {
        if (opened) {
            TRAMPOLINE.get().runAll();
        }
    }

    /** Completes a user's future ({@code delivery}) where the class notes say. */
    static void deliver(Runnable delivery, Executor executor) {
        if (LIBRARY_WORK.get() != null) {
            try {
                executor.execute(delivery);
                return;
            } catch (RejectedExecutionException closed) {
                // the library's executor is shut down (closing): deliver here rather than never
            }
        }
        Trampoline t = TRAMPOLINE.get();
        t.queue.add(delivery);
        if (!t.running) {
            t.running = true;
            t.runAll();
        }
    }

    /** The per-thread queue of deliveries; confined to its thread. */
    private static final class Trampoline {
        final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        boolean running;

        /** Runs the queue, including what the deliveries add, then lets the next frame open. */
        void runAll() {
            try {
                for (Runnable d; (d = queue.poll()) != null; ) {
                    d.run();
                }
            } finally {
                running = false;
            }
        }
    }
}
