package dev.multilock.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * What the client processes of {@link DistributedScenarios} recorded, merged and checked: SHARED
 * and EXCLUSIVE holds on several keys, from every process. All times are
 * {@code System.nanoTime()} values of processes on one host, which share one clock.
 *
 * <p>The check: on each key, an EXCLUSIVE hold never overlaps another hold of any mode. A hold
 * is taken to last from its grant (read just after the lock call returned) to its release (read
 * just before the release was called): inside the real hold, so an overlap found here is a real
 * one. {@link HandoffHistory} does the same for EXCLUSIVE-only runs and measures hand-offs;
 * scenario 3 feeds it these holds.
 */
final class HoldHistory {

    /** The value of {@link Hold#granted} for a request that was never granted. */
    static final long NOT_GRANTED = Long.MIN_VALUE;

    /**
     * One request and, unless it timed out, its hold.
     *
     * @param process the process's index
     * @param thread the thread's index in its process
     * @param key the key
     * @param exclusive EXCLUSIVE if true, else SHARED
     * @param requested {@code nanoTime} just before the lock was called
     * @param granted just after it returned, or {@link #NOT_GRANTED} if it timed out
     * @param released just before the release was called (the time-out, if not granted)
     * @param done just after the release returned (the same, if not granted)
     */
    record Hold(int process, int thread, int key, boolean exclusive, long requested,
            long granted, long released, long done) {

        /** Whether the request was granted. */
        boolean isGranted() {
            return granted != NOT_GRANTED;
        }
    }

    private HoldHistory() {}

    /**
     * Checks exclusion on every key.
     *
     * @param holds every hold recorded, in any order (requests never granted are skipped)
     * @throws IllegalStateException naming the two holds, if an EXCLUSIVE hold overlaps another
     */
    static void checkExclusion(List<Hold> holds) {
        Map<Integer, List<Hold>> byKey = new TreeMap<>();
        for (Hold h : holds) {
            if (h.isGranted()) {
                byKey.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(h);
            }
        }
        for (List<Hold> key : byKey.values()) {
            key.sort(Comparator.comparingLong(Hold::granted));
            // the holds granted so far and not yet released, by release time
            PriorityQueue<Hold> active = new PriorityQueue<>(
                    Comparator.comparingLong(Hold::released));
            int exclusiveActive = 0;
            for (Hold h : key) {
                while (!active.isEmpty() && active.peek().released() <= h.granted()) {
                    if (active.poll().exclusive()) {
                        exclusiveActive--;
                    }
                }
                if (exclusiveActive > 0 || (h.exclusive() && !active.isEmpty())) {
                    Hold other = exclusiveActive > 0 ? exclusiveHolder(active) : active.peek();
                    throw new IllegalStateException("exclusion broken on key " + h.key() + ": "
                            + describe(h) + " was granted while " + describe(other)
                            + " held it");
                }
                active.add(h);
                if (h.exclusive()) {
                    exclusiveActive++;
                }
            }
        }
    }

    private static Hold exclusiveHolder(PriorityQueue<Hold> active) {
        for (Hold a : active) {
            if (a.exclusive()) {
                return a;
            }
        }
        throw new AssertionError("no exclusive holder among " + active);
    }

    private static String describe(Hold h) {
        return (h.exclusive() ? "EXCLUSIVE" : "SHARED") + " of process " + h.process()
                + " thread " + h.thread() + " [" + h.granted() + ", " + h.released() + "] ns";
    }

    /**
     * The time of each granted request from its call to the end of its release, sorted: one
     * acquire + release pair.
     *
     * @param holds the holds
     * @return the pairs' times in ns, ascending
     */
    static long[] pairTimes(List<Hold> holds) {
        return sorted(holds, h -> h.done() - h.requested());
    }

    /**
     * How long each request waited, from its call to its grant (to its time-out, if it was never
     * granted), sorted.
     *
     * @param holds the holds
     * @return the waits in ns, ascending
     */
    static long[] waits(List<Hold> holds) {
        long[] w = new long[holds.size()];
        for (int i = 0; i < w.length; i++) {
            Hold h = holds.get(i);
            w[i] = (h.isGranted() ? h.granted() : h.released()) - h.requested();
        }
        Arrays.sort(w);
        return w;
    }

    private static long[] sorted(List<Hold> holds,
            java.util.function.ToLongFunction<Hold> value) {
        long[] v = holds.stream().filter(Hold::isGranted).mapToLong(value).toArray();
        Arrays.sort(v);
        return v;
    }

    /**
     * The EXCLUSIVE holds as {@link HandoffHistory} takes them (no fencing tokens).
     *
     * @param holds the holds, all on one key
     * @return the granted EXCLUSIVE ones
     */
    static List<HandoffHistory.Acquisition> acquisitions(List<Hold> holds) {
        List<HandoffHistory.Acquisition> a = new ArrayList<>();
        for (Hold h : holds) {
            if (h.isGranted() && h.exclusive()) {
                a.add(new HandoffHistory.Acquisition(h.process(), h.thread(), h.requested(),
                        h.granted(), h.released(), PgLocks.NO_TOKEN));
            }
        }
        return a;
    }
}
