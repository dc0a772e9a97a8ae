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
 * class, whose loading brings in much of {@code jdk.jfr} (on the order of 100 ms), is loaded with
 * the first queued request after a recording has started, not with the first contention.
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
     * Begins the event of a request that has just queued behind {@code ahead} others, if the
     * event is enabled now.
     *
     * @return the event, to hand to {@link #end}, or null
     */
    static @Nullable Object begin(long ahead) {
        return ON && Started.started() ? Recorder.begin(ahead) : null;
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
