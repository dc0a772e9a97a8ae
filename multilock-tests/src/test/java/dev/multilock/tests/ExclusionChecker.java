package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.util.List;
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
 *
 * <p>A checker watches one lock. To watch the locks of several keys, give each key a checker of
 * its own, named after the key, over one shared {@link Breaches}: holders of different keys never
 * meet in a checker, and a breach names its key.
 */
final class ExclusionChecker {

    private final AtomicInteger exclusive = new AtomicInteger();
    private final AtomicInteger shared = new AtomicInteger();
    private final AtomicLong tickets = new AtomicLong();
    /** The ticket of the EXCLUSIVE holder inside; 0 when none. */
    private final AtomicLong insideTicket = new AtomicLong();
    private final AtomicLong exclusiveSections = new AtomicLong();
    private final Breaches breaches;
    /** How a breach of exclusion begins: the rule, and the lock if it has a name. */
    private final String rule1;
    /** Written only inside EXCLUSIVE sections: ordered by the lock alone. */
    private long guarded;

    /** A checker of one lock, with breaches of its own. */
    ExclusionChecker() {
        this(new Breaches(), "");
    }

    /**
     * A checker of one lock among several.
     *
     * @param breaches where to record breaches; shared with the checkers of the other locks
     * @param lockName the lock's name in breaches of exclusion ("k1"); empty for none
     */
    ExclusionChecker(Breaches breaches, String lockName) {
        this.breaches = breaches;
        this.rule1 = "rule 1 (exclusion)" + (lockName.isEmpty() ? "" : " on " + lockName) + ": ";
    }

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
                    breach(rule1 + "an EXCLUSIVE holder entered beside " + (e - 1)
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
                    breach(rule1 + "a SHARED holder entered beside " + e
                            + " EXCLUSIVE holders");
                }
                return 0L;
            }
            default: {
                long t = insideTicket.get();
                if (t != 0 && t <= ticketBeforeRequest) {
                    breach(rule1 + "a NONE acquisition, requested while EXCLUSIVE"
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
        breaches.add(what);
    }

    boolean breached() {
        return breaches.any();
    }

    /** The breaches recorded, the first {@value Breaches#MAX_KEPT} of them. */
    List<String> breaches() {
        return breaches.list();
    }

    int breachCount() {
        return breaches.count();
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
