package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.granted;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.tests.pg.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK Flight Recorder event {@code dev.multilock.Wait} (API.md, "Observability"): recorded
 * in process with a threshold of 0, read back with {@link RecordingFile}. A request that queued
 * and was granted, and one that queued and was withdrawn, each give one event with the right
 * lock, mode and outcome, and a duration that covers the wait the test measured around it; an
 * uncontended acquisition gives none.
 */
@Timeout(60)
final class WaitEventTest {

    private static final String EVENT = "dev.multilock.Wait";
    /** How long the tests keep a request queued, so that its duration is clearly measurable. */
    private static final long HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(30);

    @TempDir
    Path dir;

    /** Runs {@code work} under a recording of the event (threshold 0) and returns its events. */
    private List<RecordedEvent> record(ThrowingRunnable work) throws Exception {
        Path file = dir.resolve("wait.jfr");
        try (Recording r = new Recording()) {
            r.enable(EVENT).withThreshold(Duration.ZERO).withStackTrace();
            r.start();
            awaitEventsRecorded(r);
            work.run();
            r.stop();
            r.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(EVENT))
                .collect(Collectors.toList());
    }

    /**
     * Waits (bounded) until queued requests record events: the library loads the event class on
     * a thread of its own once a recording has started, and records nothing until then, so that
     * no request ever waits for that. Queues requests on a lock of its own until a snapshot of
     * the recording shows one of its events.
     */
    private void awaitEventsRecorded(Recording r) throws Exception {
        MultiLock warmUp = MultiLock.create();
        Path snapshot = dir.resolve("snapshot.jfr");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Handle h = take(warmUp, EXCLUSIVE);
            CompletableFuture<Handle> queued = warmUp.acquire(EXCLUSIVE);
            h.release();
            granted(queued).release();
            r.dump(snapshot);
            if (RecordingFile.readAllEvents(snapshot).stream().anyMatch(named(name(warmUp)))) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError("no dev.multilock.Wait event recorded within 20 s of the"
                + " recording's start");
    }

    /** What a test does under the recording. */
    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String lock) {
        return events.stream().filter(e -> lock.equals(e.getString("lock")))
                .collect(Collectors.toList());
    }

    private static String name(MultiLock lock) {
        String s = lock.toString();
        return s.substring(0, s.indexOf('['));
    }

    /** Waits at least {@link #HOLD_NANOS}, measured, and returns the time waited. */
    private static long holdOn() throws InterruptedException {
        long start = System.nanoTime();
        while (System.nanoTime() - start < HOLD_NANOS) {
            TimeUnit.NANOSECONDS.sleep(HOLD_NANOS - (System.nanoTime() - start));
        }
        return System.nanoTime() - start;
    }

    @Test
    void queuedThenGranted_oneGrantedEventCoveringTheWait() throws Exception {
        MultiLock lock = MultiLock.create();
        long[] waited = new long[1];
        List<RecordedEvent> events = record(() -> {
            Handle writer = take(lock, EXCLUSIVE);
            CompletableFuture<Handle> reader = lock.acquire(SHARED); // queues
            waited[0] = holdOn();
            writer.release();
            granted(reader).release();
        });
        List<RecordedEvent> mine = of(events, name(lock));
        assertEquals(1, mine.size(), "one event for the one request that queued: " + mine);
        RecordedEvent e = mine.get(0);
        assertEquals("SHARED", e.getString("mode"));
        assertEquals("GRANTED", e.getString("outcome"));
        assertEquals(0, e.getInt("waitersAhead"));
        assertTrue(e.getDuration().toNanos() >= waited[0], () -> "the event's duration "
                + e.getDuration() + " must cover the " + waited[0] + " ns the request waited");
    }

    @Test
    void queuedThenCancelled_oneWithdrawnEventCoveringTheWait() throws Exception {
        MultiLock lock = MultiLock.create();
        long[] waited = new long[1];
        List<RecordedEvent> events = record(() -> {
            Handle reader = take(lock, SHARED);
            CompletableFuture<Handle> first = lock.acquire(EXCLUSIVE);
            CompletableFuture<Handle> second = lock.acquire(EXCLUSIVE); // one waiter ahead
            waited[0] = holdOn();
            assertTrue(second.cancel(false));
            assertTrue(first.cancel(false));
            reader.release();
        });
        List<RecordedEvent> mine = of(events, name(lock));
        assertEquals(2, mine.size(), "one event per request that queued: " + mine);
        assertTrue(mine.stream().allMatch(e -> "WITHDRAWN".equals(e.getString("outcome"))
                && "EXCLUSIVE".equals(e.getString("mode"))), () -> "two withdrawals: " + mine);
        assertTrue(mine.stream().anyMatch(e -> e.getInt("waitersAhead") == 1),
                () -> "the second queued behind the first: " + mine);
        assertTrue(mine.stream().allMatch(e -> e.getDuration().toNanos() >= waited[0]),
                () -> "durations cover the " + waited[0] + " ns wait: " + mine);
    }

    @Test
    void threadWaitsInLock_grantedEventOnTheWaitingThread() throws Exception {
        MultiLock lock = MultiLock.create();
        Thread[] waiter = new Thread[1];
        List<RecordedEvent> events = record(() -> {
            Handle writer = take(lock, EXCLUSIVE);
            CompletableFuture<Void> done = new CompletableFuture<>();
            waiter[0] = new Thread(() -> {
                lock.lock(SHARED).release();
                done.complete(null);
            }, "waits-in-lock");
            waiter[0].start();
            Poll.until(Duration.ofSeconds(10), lock::queueLength, n -> n == 1,
                    "the thread queues");
            holdOn();
            writer.release();
            done.get(10, TimeUnit.SECONDS);
        });
        List<RecordedEvent> mine = of(events, name(lock));
        assertEquals(1, mine.size(), () -> "one event: " + mine);
        RecordedEvent e = mine.get(0);
        assertEquals("GRANTED", e.getString("outcome"));
        assertEquals("waits-in-lock", e.getThread().getJavaName(),
                "committed by the thread that waited, so the stack trace shows where it waited");
    }

    @Test
    void keyedLock_eventNamesTheKey() throws Exception {
        KeyedMultiLock<String> family = KeyedMultiLock.create();
        List<RecordedEvent> events = record(() -> {
            Handle writer = take(family.get("order-42"), EXCLUSIVE);
            CompletableFuture<Handle> reader = family.get("order-42").acquire(SHARED);
            writer.release();
            granted(reader).release();
        });
        assertEquals(1, of(events, "order-42").size(), () -> "keyed locks name the key: "
                + events);
    }

    @Test
    void uncontendedAcquisitions_noEvent() throws Exception {
        MultiLock lock = MultiLock.create();
        List<RecordedEvent> events = record(() -> {
            for (int i = 0; i < 1_000; i++) {
                granted(lock.acquire(i % 2 == 0 ? SHARED : EXCLUSIVE)).release();
                take(lock, SHARED).release();
                lock.lock(EXCLUSIVE).release();
            }
        });
        assertFalse(events.stream().anyMatch(named(name(lock))),
                () -> "no request queued, so no event: " + events);
    }

    private static Predicate<RecordedEvent> named(String lock) {
        return e -> lock.equals(e.getString("lock"));
    }
}
