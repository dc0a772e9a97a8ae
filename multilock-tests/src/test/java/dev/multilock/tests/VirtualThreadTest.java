package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Virtual threads wait in {@code lock} without pinning their carrier (API.md, W1): the waiting
 * thread parks with {@code LockSupport}, never inside {@code synchronized} or native code, so a
 * virtual thread unmounts while it waits.
 *
 * <p>Needs JDK 21 or later, and is skipped on older JDKs: the build compiles for release 17, so
 * the virtual threads come from {@code Executors.newVirtualThreadPerTaskExecutor()}, found by
 * reflection. CI runs this tag ({@value #TAG}) on JDK 25 after the main build (see
 * {@code .ci/run}).
 *
 * <p>How pinning is seen: an in-process JFR recording with {@code jdk.VirtualThreadPinned}
 * enabled at threshold 0, with stack traces, runs around the test; the recording is dumped and
 * read back with {@link RecordingFile}. An event whose stack has a frame of the library (a class
 * of {@code dev.multilock}, its {@code spi} or {@code lockfree}, not of these tests) means that
 * a virtual thread parked while pinned inside the lock. The test of the test makes a virtual
 * thread wait in {@code lock} inside a class initializer, which pins it on every JDK, and
 * requires the check to see that event with the lock's frames.
 */
@Tag(VirtualThreadTest.TAG)
final class VirtualThreadTest {

    static final String TAG = "virtual-threads";
    /** Virtual threads blocked on one lock at once. */
    static final int THREADS = 10_000;
    /** How long queueing them all, or letting them all through, may take at most. */
    static final long LIMIT_SECONDS = 60;
    static final String PINNED = "jdk.VirtualThreadPinned";

    @Test
    void lock_tenThousandVirtualThreadsBlocked_allCompleteAndNonePinnedInTheLock()
            throws Exception {
        ExecutorService virtualThreads = virtualThreadPerTaskExecutor();
        MultiLock lock = MultiLock.create();
        long[] guarded = new long[1]; // written only under the EXCLUSIVE lock
        List<RecordedEvent> pinned;
        long queueNanos;
        long drainNanos;
        try (Recording recording = pinnedRecording()) {
            recording.start();
            Handle gate = lock.lock(EXCLUSIVE);
            long start = System.nanoTime();
            List<Future<?>> tasks = new ArrayList<>(THREADS);
            for (int i = 0; i < THREADS; i++) {
                tasks.add(virtualThreads.submit(() -> {
                    Handle h = lock.lock(EXCLUSIVE);
                    guarded[0]++;
                    h.release();
                }));
            }
            awaitQueueLength(lock, THREADS);
            queueNanos = System.nanoTime() - start;

            start = System.nanoTime();
            assertTrue(gate.release());
            virtualThreads.shutdown();
            assertTrue(virtualThreads.awaitTermination(LIMIT_SECONDS, TimeUnit.SECONDS),
                    () -> "liveness (W1, rule 2): " + THREADS + " virtual threads blocked in"
                            + " lock(EXCLUSIVE) did not all finish within " + LIMIT_SECONDS
                            + " s of the release; " + lock);
            drainNanos = System.nanoTime() - start;
            for (Future<?> task : tasks) {
                task.get(); // rethrows what a task threw
            }
            recording.stop();
            pinned = readBack(recording);
        } finally {
            virtualThreads.shutdownNow();
        }

        assertEquals(THREADS, guarded[0], "rule 1 and memory consistency: EXCLUSIVE sections"
                + " lost an update of a field guarded by the lock");
        Quiescence.assertAtRest(lock);
        List<RecordedEvent> inTheLock = pinned.stream().filter(VirtualThreadTest::inLibrary)
                .toList();
        System.out.printf("VirtualThreadTest on %s: %d virtual threads queued in %d ms, all"
                + " through in %d ms; %d %s events, %d with a frame of the library%n",
                Runtime.version(), THREADS, TimeUnit.NANOSECONDS.toMillis(queueNanos),
                TimeUnit.NANOSECONDS.toMillis(drainNanos), pinned.size(), PINNED,
                inTheLock.size());
        assertTrue(inTheLock.isEmpty(), () -> "W1: a virtual thread waiting in lock() pinned its"
                + " carrier " + inTheLock.size() + " times; the first: " + inTheLock.get(0));
    }

    /** The lock a virtual thread waits for inside {@link WaitsInInitializer}'s initializer. */
    private static volatile MultiLock initializerLock;

    /** A class whose initializer waits in {@code lock}: a virtual thread is pinned there. */
    private static final class WaitsInInitializer {
        static final Handle HANDLE = initializerLock.lock(EXCLUSIVE);

        private WaitsInInitializer() {}
    }

    @Test
    void pinnedCheck_virtualThreadWaitingInClassInitializer_seesTheLocksFrames()
            throws Exception {
        ExecutorService virtualThreads = virtualThreadPerTaskExecutor();
        MultiLock lock = MultiLock.create();
        initializerLock = lock;
        List<RecordedEvent> pinned;
        try (Recording recording = pinnedRecording()) {
            recording.start();
            Handle gate = lock.lock(EXCLUSIVE);
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Handle> initialized = virtualThreads.submit(() -> {
                waiter.set(Thread.currentThread());
                return WaitsInInitializer.HANDLE;
            });
            awaitQueueLength(lock, 1);
            awaitParked(waiter, lock); // JFR records a pinned park once it has parked
            assertTrue(gate.release());
            assertTrue(initialized.get(LIMIT_SECONDS, TimeUnit.SECONDS).release());
            recording.stop();
            pinned = readBack(recording);
        } finally {
            virtualThreads.shutdownNow();
        }

        System.out.printf("VirtualThreadTest control on %s: %d %s events, %d with a frame of the"
                + " library%n", Runtime.version(), pinned.size(), PINNED,
                pinned.stream().filter(VirtualThreadTest::inLibrary).count());
        assertFalse(pinned.stream().noneMatch(VirtualThreadTest::inLibrary), () -> "the test of"
                + " the test: a virtual thread waited in lock() inside a class initializer,"
                + " which pins it, yet the recording shows no " + PINNED + " event with a frame of"
                + " the library (" + pinned.size() + " " + PINNED + " events in all), so the"
                + " check above could not see pinning either");
        Quiescence.assertAtRest(lock);
    }

    // ---- helpers ----

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}; skips the test before JDK 21. */
    private static ExecutorService virtualThreadPerTaskExecutor()
            throws ReflectiveOperationException {
        assumeTrue(Runtime.version().feature() >= 21, () -> "virtual threads need JDK 21 or"
                + " later; this is " + Runtime.version());
        return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
                .invoke(null);
    }

    /** A recording of every pinned park, however short, with its stack. */
    private static Recording pinnedRecording() {
        Recording recording = new Recording();
        recording.setName("multilock-" + TAG);
        recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
        return recording;
    }

    /** Dumps the stopped recording to a file and reads its pinned events back. */
    private static List<RecordedEvent> readBack(Recording recording) throws IOException {
        Path file = Files.createTempFile("multilock-" + TAG, ".jfr");
        try {
            recording.dump(file);
            List<RecordedEvent> pinned = new ArrayList<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getEventType().getName().equals(PINNED)) {
                    pinned.add(e);
                }
            }
            return pinned;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Whether the event's stack has a frame of the library, not of these tests. */
    private static boolean inLibrary(RecordedEvent e) {
        RecordedStackTrace stack = e.getStackTrace();
        if (stack == null) {
            return false;
        }
        for (RecordedFrame frame : stack.getFrames()) {
            String type = frame.getMethod().getType().getName();
            if (type.startsWith("dev.multilock.") && !type.startsWith("dev.multilock.tests.")) {
                return true;
            }
        }
        return false;
    }

    /** Polls, bounded, until {@code n} requests wait on {@code lock}. */
    private static void awaitQueueLength(MultiLock lock, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        while (lock.queueLength() < n) {
            if (System.nanoTime() - deadline > 0) {
                fail("liveness: " + n + " virtual threads did not all queue within "
                        + LIMIT_SECONDS + " s; " + lock);
            }
            LockSupport.parkNanos(1_000_000L); // the poll's interval
        }
    }

    /** Polls, bounded, until the thread in {@code t} is parked (past the waiter's spin). */
    private static void awaitParked(AtomicReference<Thread> t, MultiLock lock) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        for (;;) {
            Thread thread = t.get();
            if (thread != null && thread.getState() == Thread.State.WAITING
                    && LockSupport.getBlocker(thread) != null) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the virtual thread waiting in a class initializer never parked; " + lock);
            }
            LockSupport.parkNanos(1_000_000L); // the poll's interval
        }
    }
}
