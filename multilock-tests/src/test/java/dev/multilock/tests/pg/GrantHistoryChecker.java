package dev.multilock.tests.pg;

import dev.multilock.MultiLockType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks, after the fact and from outside the lock, the grants that several processes recorded
 * on the keys of one namespace: exclusion (API.md, P1), fencing tokens (P6) and progress (P2).
 * It knows nothing of the lock, only the intervals the holders say they were inside.
 *
 * <p>Every time is a {@link System#nanoTime()} of one host. On Linux that is
 * {@code clock_gettime(CLOCK_MONOTONIC)} with no offset of the JVM's own, one clock for every
 * process of the host (of one time namespace), so times of different processes compare.
 *
 * <p>A holder records {@code requested} right before it asks, {@code entered} right after the
 * grant reaches it and {@code exited} right before it releases, so its recorded interval lies
 * within the time it held the lock, and its grant within {@code [requested, entered]}. Hence:
 * <ul>
 *   <li><b>Exclusion.</b> Two recorded intervals of a key that overlap, one of them EXCLUSIVE and
 *       neither NONE, were held at once: a breach, within a process or across processes. A NONE
 *       grant holds nothing once given (P1), so its interval may overlap a later EXCLUSIVE one;
 *       what P1 forbids is the grant itself while another holds EXCLUSIVE. So a NONE grant breaks
 *       exclusion when an EXCLUSIVE interval covers its whole wait, from {@code requested} to
 *       {@code entered}: that holder was inside when the grant was given.
 *   <li><b>Fencing.</b> EXCLUSIVE intervals of a key are disjoint (else exclusion already
 *       failed), so their order by {@code entered} is the order of their grants, and their tokens
 *       increase in it. A SHARED grant's token is at least that of every EXCLUSIVE interval that
 *       ended before it entered, and below that of every EXCLUSIVE interval that entered after it
 *       ended. A NONE grant may be overtaken between its grant and {@code entered} (it holds
 *       nothing), so its token is checked against the EXCLUSIVE grants that surely came before
 *       it (entered before it was requested) and those that surely came after it (entered after
 *       it did: one granted before it and still held at its grant would break P1).
 *   <li><b>Progress.</b> Every process got EXCLUSIVE grants on every key, and no grant waited
 *       longer than a bound the caller derives from P2's hand-off bound.
 * </ul>
 *
 * <p>Each violation is one line that names the broken invariant, the key and the grants, with
 * times in milliseconds from the earliest request of the history.
 */
final class GrantHistoryChecker {

    /** Violations spelled out per check, at most; the count goes on. */
    static final int MAX_REPORTED = 20;

    /**
     * One grant as its holder recorded it.
     *
     * @param process the holder's process, as the test names it
     * @param key the key of the namespace
     * @param mode the mode granted
     * @param requested {@code nanoTime} right before the request
     * @param entered {@code nanoTime} right after the grant was delivered
     * @param exited {@code nanoTime} right before the release
     * @param token the grant's fencing token
     */
    record Grant(String process, String key, MultiLockType mode, long requested, long entered,
            long exited, long token) {

        /** The first word of a grant's line. */
        static final String TAG = "G";

        /** The line a child writes for this grant: {@code G key mode requested entered ...}. */
        String line() {
            return String.join(" ", TAG, key, mode.name(), Long.toString(requested),
                    Long.toString(entered), Long.toString(exited), Long.toString(token));
        }

        /** The grant of a {@link #line()} written by {@code process}. */
        static Grant parse(String process, String line) {
            String[] f = line.split(" ");
            if (f.length != 7 || !f[0].equals(TAG)) {
                throw new IllegalArgumentException("not a grant line of " + process + ": " + line);
            }
            return new Grant(process, f[1], MultiLockType.valueOf(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]));
        }

        long waitNanos() {
            return entered - requested;
        }
    }

    private final List<Grant> grants;
    private final long origin;
    private final Map<String, List<Grant>> byKey = new TreeMap<>();

    /** A checker of {@code grants}, the records of every process on every key of a namespace. */
    GrantHistoryChecker(List<Grant> grants) {
        this.grants = List.copyOf(grants);
        this.origin = grants.stream().mapToLong(Grant::requested).min().orElse(0);
        for (Grant g : this.grants) {
            byKey.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(g);
        }
        for (List<Grant> ofKey : byKey.values()) {
            ofKey.sort(Comparator.comparingLong(Grant::entered));
        }
    }

    /** Every violation of the three checks, exclusion first. */
    List<String> violations(Set<String> processes, long waitBoundNanos) {
        List<String> all = new ArrayList<>(exclusion());
        all.addAll(fencing());
        all.addAll(progress(processes, waitBoundNanos));
        return all;
    }

    /** Grants of one mode on one key held at once with an EXCLUSIVE one (P1); see the class. */
    List<String> exclusion() {
        Report r = new Report();
        for (Map.Entry<String, List<Grant>> e : byKey.entrySet()) {
            String key = e.getKey();
            List<Grant> open = new ArrayList<>(); // entered before the current one, not exited
            for (Grant b : e.getValue()) {
                if (b.mode() == MultiLockType.NONE) {
                    continue;
                }
                open.removeIf(a -> a.exited() <= b.entered());
                for (Grant a : open) {
                    if (a.mode() == MultiLockType.EXCLUSIVE
                            || b.mode() == MultiLockType.EXCLUSIVE) {
                        r.add("exclusion (P1) on key " + key + ": " + describe(a) + " overlaps "
                                + describe(b));
                    }
                }
                open.add(b);
            }
            List<Grant> exclusive = exclusive(e.getValue());
            for (Grant n : e.getValue()) {
                if (n.mode() != MultiLockType.NONE) {
                    continue;
                }
                for (Grant x : exclusive) {
                    if (x.entered() < n.requested() && x.exited() > n.entered()) {
                        r.add("exclusion (P1) on key " + key + ": " + describe(n)
                                + " was granted while " + describe(x) + " held it throughout"
                                + " its wait");
                    }
                }
            }
        }
        return r.lines();
    }

    /** Tokens out of the order P6 gives them; see the class. */
    List<String> fencing() {
        Report r = new Report();
        for (Map.Entry<String, List<Grant>> e : byKey.entrySet()) {
            String key = e.getKey();
            List<Grant> exclusive = exclusive(e.getValue());
            for (int i = 1; i < exclusive.size(); i++) {
                Grant a = exclusive.get(i - 1);
                Grant b = exclusive.get(i);
                if (b.token() <= a.token()) {
                    r.add("fencing (P6) on key " + key + ": EXCLUSIVE tokens do not increase in"
                            + " the order of entry: " + describe(a) + " then " + describe(b));
                }
            }
            for (Grant g : e.getValue()) {
                if (g.mode() == MultiLockType.EXCLUSIVE) {
                    continue;
                }
                boolean none = g.mode() == MultiLockType.NONE;
                for (Grant x : exclusive) {
                    boolean before = none ? x.entered() < g.requested()
                            : x.exited() <= g.entered();
                    boolean after = none ? x.entered() > g.entered() : x.entered() >= g.exited();
                    if (before && g.token() < x.token()) {
                        r.add("fencing (P6) on key " + key + ": " + describe(g) + " carries a"
                                + " token below that of the earlier " + describe(x));
                    } else if (after && g.token() >= x.token()) {
                        r.add("fencing (P6) on key " + key + ": " + describe(g) + " carries a"
                                + " token not below that of the later " + describe(x));
                    }
                }
            }
        }
        return r.lines();
    }

    /**
     * Processes of {@code processes} without an EXCLUSIVE grant on some key, and grants that
     * waited longer than {@code waitBoundNanos} from request to entry (P2).
     */
    List<String> progress(Set<String> processes, long waitBoundNanos) {
        Report r = new Report();
        for (Map.Entry<String, List<Grant>> e : byKey.entrySet()) {
            Map<String, Integer> exclusiveGrants = new HashMap<>();
            for (Grant g : exclusive(e.getValue())) {
                exclusiveGrants.merge(g.process(), 1, Integer::sum);
            }
            for (String p : processes) {
                if (!exclusiveGrants.containsKey(p)) {
                    r.add("progress (P2) on key " + e.getKey() + ": " + p
                            + " got no EXCLUSIVE grant");
                }
            }
        }
        for (Grant g : grants) {
            if (g.waitNanos() > waitBoundNanos) {
                r.add("progress (P2) on key " + g.key() + ": " + describe(g) + " waited "
                        + millis(g.waitNanos()) + " ms, more than the bound of "
                        + millis(waitBoundNanos) + " ms");
            }
        }
        return r.lines();
    }

    private static List<Grant> exclusive(List<Grant> ofKey) {
        return ofKey.stream().filter(g -> g.mode() == MultiLockType.EXCLUSIVE).toList();
    }

    /** A grant for a message: process, mode, interval, request and token. */
    String describe(Grant g) {
        return g.process() + "'s " + g.mode() + " [" + millis(g.entered() - origin) + ", "
                + millis(g.exited() - origin) + "] ms (requested at "
                + millis(g.requested() - origin) + ", token " + g.token() + ")";
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    /** Violation lines, the first {@link #MAX_REPORTED} in full, then a count. */
    private static final class Report {
        private final List<String> lines = new ArrayList<>();
        private int count;

        void add(String line) {
            if (count++ < MAX_REPORTED) {
                lines.add(line);
            }
        }

        List<String> lines() {
            if (count > MAX_REPORTED) {
                lines.add("... and " + (count - MAX_REPORTED) + " more");
            }
            return lines;
        }
    }
}
