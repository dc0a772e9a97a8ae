package dev.multilock.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What the processes of {@link CrossProcessHandoff} recorded, merged and checked: every
 * EXCLUSIVE acquisition of the key in the measured window, from every process, in the order of
 * their grants. All times are {@code System.nanoTime()} values of processes on one host, which
 * share one clock (Linux's {@code CLOCK_MONOTONIC}).
 *
 * <p>Checks, each an {@link IllegalStateException} naming the broken invariant: no two
 * acquisitions overlap (each one's release comes before the next one's grant); fencing tokens,
 * where the contender has them, rise in the order of the grants; every process made at least one
 * acquisition.
 *
 * <p>A <i>hand-off</i> is a pair of consecutive acquisitions; it is <i>cross-process</i> when the
 * two are in different processes, and its latency is the time from the release by the first
 * holder (taken just before it calls the release) to the grant to the next (taken just after
 * the acquisition returns).
 */
final class HandoffHistory {

    /**
     * One acquisition.
     *
     * @param process the process's index
     * @param thread the thread's index in its process
     * @param requested {@code nanoTime} just before the acquisition was called
     * @param granted {@code nanoTime} just after it returned
     * @param released {@code nanoTime} just before the release was called
     * @param token the fencing token, or {@link PgLocks#NO_TOKEN}
     */
    record Acquisition(int process, int thread, long requested, long granted, long released,
            long token) {}

    /**
     * The figures of one run.
     *
     * @param windowNanos the length of the measured window
     * @param perProcess acquisitions of each process, by index
     * @param acquisitions acquisitions of all processes
     * @param crossHandoffs hand-offs to another process
     * @param crossLatencies their latencies, sorted, in ns
     * @param localHandoffs hand-offs inside a process (to another thread or the same one)
     * @param localLatencies their latencies, sorted, in ns
     * @param waits how long each acquisition waited, from its call to its grant, sorted, in ns
     * @param longestRun the most consecutive acquisitions of one process
     * @param longestWaitNanos the longest time a process went without an acquisition, from one
     *     of its releases to its next grant (or from the window's start to its first grant)
     * @param tokensChecked whether fencing tokens were there and rose with every grant
     */
    record Figures(long windowNanos, long[] perProcess, long acquisitions, long crossHandoffs,
            long[] crossLatencies, long localHandoffs, long[] localLatencies, long[] waits,
            long longestRun, long longestWaitNanos, boolean tokensChecked) {

        /** Acquisitions per second, all processes. */
        double acquisitionsPerSecond() {
            return acquisitions * 1e9 / windowNanos;
        }

        /** Cross-process hand-offs per second. */
        double crossHandoffsPerSecond() {
            return crossHandoffs * 1e9 / windowNanos;
        }
    }

    private HandoffHistory() {}

    /**
     * Merges and checks the acquisitions of every process.
     *
     * @param processes how many processes took part (each must appear)
     * @param windowStart {@code nanoTime} at which the measured window began
     * @param windowNanos its length
     * @param recorded every acquisition recorded, in any order
     * @return the figures
     * @throws IllegalStateException if an invariant is broken
     */
    static Figures analyse(int processes, long windowStart, long windowNanos,
            List<Acquisition> recorded) {
        List<Acquisition> all = new ArrayList<>(recorded);
        all.sort(Comparator.comparingLong(Acquisition::granted));
        long[] perProcess = new long[processes];
        long[] lastRelease = new long[processes];
        Arrays.fill(lastRelease, windowStart);
        long longestWait = 0;
        boolean tokens = !all.isEmpty();
        long[] cross = new long[all.size()];
        long[] local = new long[all.size()];
        long[] waits = new long[all.size()];
        int waitCount = 0;
        int crossCount = 0;
        int localCount = 0;
        long run = 0;
        long longestRun = 0;
        Acquisition previous = null;
        for (Acquisition a : all) {
            if (a.process() < 0 || a.process() >= processes) {
                throw new IllegalStateException("an acquisition of process " + a.process()
                        + ", of " + processes);
            }
            waits[waitCount++] = a.granted() - a.requested();
            perProcess[a.process()]++;
            longestWait = Math.max(longestWait, a.granted() - lastRelease[a.process()]);
            lastRelease[a.process()] = a.released();
            tokens &= a.token() != PgLocks.NO_TOKEN;
            if (previous != null) {
                if (a.granted() < previous.released()) {
                    throw new IllegalStateException("exclusion broken: process " + a.process()
                            + " was granted the key at " + a.granted() + " ns, before process "
                            + previous.process() + " released it at " + previous.released()
                            + " ns");
                }
                if (tokens && a.token() <= previous.token()) {
                    throw new IllegalStateException("fencing tokens out of grant order: "
                            + previous.token() + " (process " + previous.process() + ") then "
                            + a.token() + " (process " + a.process() + ")");
                }
                long latency = a.granted() - previous.released();
                if (a.process() != previous.process()) {
                    cross[crossCount++] = latency;
                    run = 1;
                } else {
                    local[localCount++] = latency;
                    run++;
                }
            } else {
                run = 1;
            }
            longestRun = Math.max(longestRun, run);
            previous = a;
        }
        for (int p = 0; p < processes; p++) {
            if (perProcess[p] == 0) {
                throw new IllegalStateException("process " + p + " made no acquisition in the "
                        + windowNanos / 1_000_000 + " ms window: starved (counts "
                        + Arrays.toString(perProcess) + ")");
            }
        }
        long[] crossSorted = Arrays.copyOf(cross, crossCount);
        long[] localSorted = Arrays.copyOf(local, localCount);
        Arrays.sort(crossSorted);
        Arrays.sort(localSorted);
        Arrays.sort(waits);
        return new Figures(windowNanos, perProcess, all.size(), crossCount, crossSorted,
                localCount, localSorted, waits, longestRun, longestWait, tokens);
    }

    /**
     * The {@code q} quantile of sorted values, nearest rank.
     *
     * @param sorted values in ascending order
     * @param q the quantile, in (0, 1]
     * @return the value, or NaN if there is none
     */
    static double quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }
}
