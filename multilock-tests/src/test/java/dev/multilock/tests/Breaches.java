package dev.multilock.tests;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The breaches of the rules that a concurrency test has seen, recorded from any thread: every one
 * counted, the first {@value #MAX_KEPT} kept with the name of the thread that saw it. Several
 * {@link ExclusionChecker}s (one per key of a keyed family) and their driver share one, so that
 * the first breach anywhere stops every worker.
 */
final class Breaches {

    /** Breaches kept, at most; the count goes on. */
    static final int MAX_KEPT = 20;

    private final AtomicInteger count = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> kept = new ConcurrentLinkedQueue<>();
    /** {@link System#nanoTime()} when the first breach was recorded; 0 before. */
    private final AtomicLong firstNanos = new AtomicLong();

    /** Records a breach of any rule, with the name of the thread that saw it. */
    void add(String what) {
        firstNanos.compareAndSet(0L, System.nanoTime()); // before the count: any() implies set
        if (count.getAndIncrement() < MAX_KEPT) {
            kept.add(what + " [on " + Thread.currentThread().getName() + "]");
        }
    }

    /** Whether any breach has been recorded. */
    boolean any() {
        return count.get() != 0;
    }

    /** The breaches recorded, the first {@value #MAX_KEPT} of them, in order. */
    List<String> list() {
        return new ArrayList<>(kept);
    }

    /** {@link System#nanoTime()} when the first breach was recorded, once {@link #any()}. */
    long firstNanos() {
        return firstNanos.get();
    }

    /** How many breaches were recorded, kept or not. */
    int count() {
        return count.get();
    }
}
