package dev.multilock.lockfree;

import dev.multilock.MultiLockType;
import org.jspecify.annotations.Nullable;

/**
 * The {@code dev.multilock.Wait} events of queued requests (API.md, "Observability"): begun when
 * a request queues, committed when it is granted or withdrawn. The uncontended paths never get
 * here, so they take no time stamp and allocate nothing for it; a queued request allocates its
 * event only while the event is enabled in a running recording.
 *
 * <p>The module works without {@code jdk.jfr} (it {@code requires static jdk.jfr}): {@link #ON}
 * is false then, and no class of {@code jdk.jfr} is ever loaded, since only the nested
 * {@code Recorder} names one. With {@code jdk.jfr} present but Flight Recorder never started in
 * this JVM, only {@link jdk.jfr.FlightRecorder} is loaded, to ask whether it has been: the event
 * class, whose loading brings in much of {@code jdk.jfr} (on the order of 100 ms), is loaded by a
 * thread of its own once a recording has started, never by a request (see
 * {@code recorderReady}).
 */
final class WaitEvents {

    /** Whether this module can use {@code jdk.jfr} in this run. */
    static final boolean ON = jfrReadable();

    static final String GRANTED = "GRANTED";
    static final String WITHDRAWN = "WITHDRAWN";

    private WaitEvents() {}

    private static boolean jfrReadable() {
        Module self = WaitEvents.class.getModule();
        return ModuleLayer.boot().findModule("jdk.jfr").map(self::canRead).orElse(false)
                || (!self.isNamed() && hasJfrClass());
    }

    private static boolean hasJfrClass() {
        try {
            Class.forName("jdk.jfr.Event", false, WaitEvents.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError absent) {
            return false;
        }
    }

    /**
     * Initializes this class and, with {@code jdk.jfr} readable, the class that asks whether
     * Flight Recorder has started (loading {@link jdk.jfr.FlightRecorder}), so that the first
     * queued requests do neither; called with the first lock's creation. The event class itself
     * is still loaded only once a recording has started, as {@link #recorderReady()} says.
     */
    static void prepare() {
        if (ON) {
            Started.started();
        }
    }

    /**
     * Begins the event of a request that has just queued behind {@code ahead} others, if the
     * event is enabled now.
     *
     * @return the event, to hand to {@link #end}, or null
     */
    static @Nullable Object begin(long ahead) {
        return ON && recorderReady() ? Recorder.begin(ahead) : null;
    }

    /** Set once the event class is loaded and initialized, by {@link #recorderReady()}. */
    private static volatile boolean ready;
    /** Whether a thread was started to load it. */
    private static final java.util.concurrent.atomic.AtomicBoolean LOADING =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Whether events can be recorded now: Flight Recorder has started and the event class is
     * ready. The first call that finds Flight Recorder started has a daemon thread load the
     * event class (much of {@code jdk.jfr} comes with it), so that no request waits for that: a
     * request waiting for another thread's class initialization would stall the queue, and a
     * virtual thread would pin its carrier. Requests that queue meanwhile record no event.
     */
    private static boolean recorderReady() {
        if (ready) {
            return true;
        }
        if (Started.started() && LOADING.compareAndSet(false, true)) {
            Thread loader = new Thread(() -> {
                try {
                    Class.forName(Recorder.class.getName(), true,
                            WaitEvents.class.getClassLoader());
                    ready = true;
                } catch (ClassNotFoundException | LinkageError unusable) {
                    // no events then; the lock works as ever
                }
            }, "multilock-jfr-init");
            loader.setDaemon(true);
            loader.start();
        }
        return false;
    }

    /** Ends and commits (if over its threshold) the event {@link #begin} returned. */
    static void end(@Nullable Object event, LockFreeMultiLock lock, MultiLockType type,
            String outcome) {
        if (event != null) {
            Recorder.end(event, lock, type, outcome);
        }
    }

    /** Whether Flight Recorder has started in this JVM; loaded only when {@link #ON}. */
    private static final class Started {
        static boolean started() {
            return jdk.jfr.FlightRecorder.isInitialized();
        }
    }

    /** The code that names the event; loaded only once Flight Recorder has started. */
    private static final class Recorder {
        /** Asked whether the event type is enabled; never committed. */
        private static final WaitEvent PROBE = new WaitEvent();

        static @Nullable Object begin(long ahead) {
            if (!PROBE.isEnabled()) {
                return null;
            }
            WaitEvent e = new WaitEvent();
            e.waitersAhead = (int) Math.min(ahead, Integer.MAX_VALUE);
            e.begin();
            return e;
        }

        static void end(Object event, LockFreeMultiLock lock, MultiLockType type,
                String outcome) {
            WaitEvent e = (WaitEvent) event;
            e.end();
            if (e.shouldCommit()) {
                e.lock = lock.eventName();
                e.mode = type.name();
                e.outcome = outcome;
                e.commit();
            }
        }
    }
}
