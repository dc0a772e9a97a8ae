package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks rule 1 (exclusion) from outside the lock: it knows nothing of the lock, only who says
 * they are inside a critical section, and records every breach it sees.
 *
 * <p>A holder calls {@link #enter} after its grant and {@link #exit} before its release, so the
 * time it counts as inside lies within the time it holds the lock. Two holders the checker sees
 * inside at once therefore held the lock at once: every breach it reports is real. Both sides
 * count themselves in before they look at the others (sequentially consistent atomics), so of two
 * overlapping sections at least one sees the other.
 *
 * <p>A NONE grant is harder: it must not be given while an EXCLUSIVE one is held, yet an
 * EXCLUSIVE one may be given after it, beside it. Counting cannot tell those apart, so every
 * EXCLUSIVE section takes a ticket, and a NONE requester notes the last ticket taken before it
 * asks ({@link #ticket()}). If the NONE holder then finds inside the EXCLUSIVE holder of a ticket
 * no later than its note, that holder was inside from before the request to after the grant,
 * so the grant was given while it held the lock.
 *
 * <p>EXCLUSIVE sections also increment a plain field, {@link #guarded()}, with no other
 * synchronization than the lock: a release that did not happen-before the next acquisition could
 * lose an increment, which shows as {@code guarded() != exclusiveSections()} at rest.
 */
final class ExclusionChecker {

    /** Breaches kept, at most; the count goes on. */
    private static final int MAX_KEPT = 20;

    private final AtomicInteger exclusive = new AtomicInteger();
    private final AtomicInteger shared = new AtomicInteger();
    private final AtomicLong tickets = new AtomicLong();
    /** The ticket of the EXCLUSIVE holder inside; 0 when none. */
    private final AtomicLong insideTicket = new AtomicLong();
    private final AtomicLong exclusiveSections = new AtomicLong();
    private final AtomicInteger breachCount = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> breaches = new ConcurrentLinkedQueue<>();
    /** Written only inside EXCLUSIVE sections: ordered by the lock alone. */
    private long guarded;

    /** The last ticket taken by an EXCLUSIVE section; a NONE requester reads it first. */
    long ticket() {
        return tickets.get();
    }

    /**
     * Counts a holder in.
     *
     * @param type the mode of its grant
     * @param ticketBeforeRequest for NONE, {@link #ticket()} as read before the request
     * @return a token for {@link #exit}
     */
    long enter(MultiLockType type, long ticketBeforeRequest) {
        switch (type) {
            case EXCLUSIVE: {
                int e = exclusive.incrementAndGet();
                int s = shared.get();
                if (e != 1 || s != 0) {
                    breach("rule 1 (exclusion): an EXCLUSIVE holder entered beside " + (e - 1)
                            + " EXCLUSIVE and " + s + " SHARED holders");
                }
                long t = tickets.incrementAndGet();
                insideTicket.set(t);
                guarded = guarded + 1; // ordered by the lock
                exclusiveSections.incrementAndGet();
                return t;
            }
            case SHARED: {
                shared.incrementAndGet();
                int e = exclusive.get();
                if (e != 0) {
                    breach("rule 1 (exclusion): a SHARED holder entered beside " + e
                            + " EXCLUSIVE holders");
                }
                return 0L;
            }
            default: {
                long t = insideTicket.get();
                if (t != 0 && t <= ticketBeforeRequest) {
                    breach("rule 1 (exclusion): a NONE acquisition, requested while EXCLUSIVE"
                            + " holder #" + t + " was inside, was granted before that holder"
                            + " left");
                }
                return 0L;
            }
        }
    }

    /** Counts a holder out; {@code token} is what {@link #enter} returned. */
    void exit(MultiLockType type, long token) {
        if (type == MultiLockType.EXCLUSIVE) {
            insideTicket.compareAndSet(token, 0L);
            exclusive.decrementAndGet();
        } else if (type == MultiLockType.SHARED) {
            shared.decrementAndGet();
        }
    }

    /** Records a breach of any rule; the driver stops at the first. */
    void breach(String what) {
        if (breachCount.getAndIncrement() < MAX_KEPT) {
            breaches.add(what + " [on " + Thread.currentThread().getName() + "]");
        }
    }

    boolean breached() {
        return breachCount.get() != 0;
    }

    /** The breaches recorded, the first {@value #MAX_KEPT} of them. */
    List<String> breaches() {
        return new ArrayList<>(breaches);
    }

    int breachCount() {
        return breachCount.get();
    }

    /** The EXCLUSIVE sections entered. */
    long exclusiveSections() {
        return exclusiveSections.get();
    }

    /**
     * The plain counter of EXCLUSIVE sections; read it only once the caller holds the lock
     * exclusively, or every section has ended and been joined.
     */
    long guarded() {
        return guarded;
    }
}
