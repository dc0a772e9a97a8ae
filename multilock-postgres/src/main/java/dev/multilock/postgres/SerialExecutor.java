package dev.multilock.postgres;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Runs tasks one at a time, in submission order, without a lock: a submitter enqueues its task
 * and, if no thread is running tasks, becomes the one that does (or hands the run to a target
 * executor). Nobody waits for anybody: a submitter that finds a run in progress leaves.
 *
 * <p>Memory: a task happens-before every task that runs after it (the queue and the
 * {@code running} flag are both volatile).
 */
final class SerialExecutor implements Executor {

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    /** Where a run happens; null: on the submitting thread. */
    private final @Nullable Executor target;

    /**
     * @param target where to run the tasks, or null to run them on the thread that submits when
     *     no run is in progress
     */
    SerialExecutor(@Nullable Executor target) {
        this.target = target;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (running.compareAndSet(false, true)) {
            if (target == null) {
                drain();
                return;
            }
            try {
                target.execute(this::drain);
            } catch (RejectedExecutionException shutDown) {
                drain(); // the target is shut down (closing): run the tasks here, not never
            }
        }
    }

    /** Runs tasks until none is left; then lets go, and looks once more for a late arrival. */
    private void drain() {
        for (;;) {
            for (Runnable task; (task = tasks.poll()) != null; ) {
                task.run(); // tasks catch what they throw: see the callers
            }
            running.set(false);
            if (tasks.isEmpty() || !running.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
