package dev.multilock.benchmarks;

import java.util.Random;

/**
 * A read:write mix such as {@code "90:10"}, turned into a repeating sequence of modes.
 *
 * <p>The sequence holds exactly {@code reads + writes} modes with the stated number of writes,
 * shuffled with a fixed seed so that runs repeat and that threads with different seeds do not
 * write in lock step. Stepping through it costs an array load and a compare, the same for every
 * contender.
 */
final class Mix {

    private final boolean[] exclusive;
    private int next;

    private Mix(boolean[] exclusive) {
        this.exclusive = exclusive;
    }

    /**
     * Parses a mix and shuffles its sequence.
     *
     * @param mix reads and writes, as {@code "reads:writes"}, e.g. {@code "90:10"}
     * @param seed the shuffle's seed
     * @return a mix positioned at the start of its sequence
     * @throws IllegalArgumentException if {@code mix} is not two non-negative integers with a
     *     positive sum
     */
    static Mix parse(String mix, long seed) {
        String[] parts = mix.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("mix must be reads:writes, not " + mix);
        }
        int reads = Integer.parseInt(parts[0].trim());
        int writes = Integer.parseInt(parts[1].trim());
        if (reads < 0 || writes < 0 || reads + writes <= 0) {
            throw new IllegalArgumentException("mix must be reads:writes, not " + mix);
        }
        boolean[] seq = new boolean[reads + writes];
        for (int i = 0; i < writes; i++) {
            seq[i] = true;
        }
        Random random = new Random(seed);
        for (int i = seq.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            boolean t = seq[i];
            seq[i] = seq[j];
            seq[j] = t;
        }
        return new Mix(seq);
    }

    /**
     * Returns the next mode of the sequence, starting over at its end.
     *
     * @return {@code true} for a write (exclusive), {@code false} for a read (shared)
     */
    boolean nextExclusive() {
        int i = next;
        next = i + 1 == exclusive.length ? 0 : i + 1;
        return exclusive[i];
    }

    /**
     * Returns the number of writes in one pass of the sequence.
     *
     * @return the writes per {@link #length()} modes
     */
    int writes() {
        int n = 0;
        for (boolean b : exclusive) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /**
     * Returns the length of the sequence.
     *
     * @return reads plus writes
     */
    int length() {
        return exclusive.length;
    }
}
