package dev.multilock.lockfree;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import org.jspecify.annotations.Nullable;

/**
 * The JDK Flight Recorder event {@code dev.multilock.Wait}: one request that had to queue,
 * committed when it is granted or withdrawn, its duration the time it was queued. On by default
 * with a 20 ms threshold, as the JDK's {@code jdk.ThreadPark}. Only {@link WaitEvents} touches
 * this class, and only when the {@code jdk.jfr} module is present.
 */
@Name("dev.multilock.Wait")
@Label("multilock Wait")
@Category("multilock")
@Description("A multilock request that had to queue, from its arrival in the queue until it was"
        + " granted or withdrawn")
@Enabled(true)
@Threshold("20 ms")
@StackTrace(true)
final class WaitEvent extends Event {

    @Label("Lock")
    @Description("The key, for a keyed lock; else MultiLock@ and the identity hash code in hex")
    @Nullable String lock;

    @Label("Mode")
    @Description("NONE, SHARED or EXCLUSIVE")
    @Nullable String mode;

    @Label("Outcome")
    @Description("GRANTED or WITHDRAWN (cancelled, timed out, interrupted)")
    @Nullable String outcome;

    @Label("Waiters Ahead")
    @Description("Requests that waited ahead of this one when it queued")
    int waitersAhead;
}
