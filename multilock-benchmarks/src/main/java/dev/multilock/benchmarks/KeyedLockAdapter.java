package dev.multilock.benchmarks;

import java.util.concurrent.CompletionStage;

/**
 * One family of per-key locks under test, seen through the few operations {@link KeyedBenchmark}
 * needs, so that it drives every {@link KeyedContender} the same way. The keyed counterpart of
 * {@link LockAdapter}.
 *
 * <p>An acquisition yields an opaque <i>token</i> that is passed back to
 * {@link #release(boolean, Object)} and that knows its key: a multilock {@code Handle}, an
 * async-util lock token, the stripe's {@code Lock}, or the hand-written map's entry. Modes are a
 * {@code boolean} ({@code exclusive}), as in {@code LockAdapter}.
 *
 * <p>Each forked benchmark JVM creates adapters of one class only, so the interface calls stay
 * monomorphic and are inlined like direct calls.
 */
interface KeyedLockAdapter {

    /**
     * Acquires the lock of {@code key} now or fails, never waiting (for the tests: the benchmark
     * measures the waiting path).
     *
     * @param key the key
     * @param exclusive {@code true} for the write (exclusive) mode, else the read (shared) mode
     * @return the token of the acquisition, or {@code null} if the lock could not be taken now
     */
    Object tryAcquire(Object key, boolean exclusive);

    /**
     * Acquires the lock of {@code key}, blocking the calling thread until it is granted:
     * {@code acquire(...).join()} for the asynchronous families, {@code lock()} for the others.
     *
     * @param key the key
     * @param exclusive the mode, as for {@link #tryAcquire(Object, boolean)}
     * @return the token of the acquisition, never {@code null}
     */
    Object acquire(Object key, boolean exclusive);

    /**
     * Requests the lock of {@code key} asynchronously. The asynchronous families return a stage
     * that completes on the grant, usually on the thread that released; the blocking ones block
     * the calling thread in {@code lock()} and return a completed stage, which is what their
     * users do today.
     *
     * @param key the key
     * @param exclusive the mode, as for {@link #tryAcquire(Object, boolean)}
     * @return a stage of the acquisition's token
     */
    CompletionStage<?> acquireAsync(Object key, boolean exclusive);

    /**
     * Releases an acquisition.
     *
     * @param exclusive the mode it was acquired in
     * @param token the token the acquisition yielded
     */
    void release(boolean exclusive, Object token);

    /**
     * Tells whether {@link #acquireAsync(Object, boolean)} returns without waiting for the grant.
     *
     * @return {@code true} for multilock and async-util, {@code false} for the blocking families
     */
    boolean isAsync();

    /**
     * Returns the number of keys the family keeps state for now, where it can tell: for the
     * tests, which check that an idle family holds none.
     *
     * @return the keys with live state, or -1 if the family cannot say (async-util, whose
     *     count is not public; Guava's stripes, which are never dropped by key)
     */
    int size();
}
