package dev.multilock.benchmarks;

import java.util.concurrent.CompletionStage;

/**
 * One lock under test, seen through the few operations every scenario needs, so that each
 * scenario drives every {@link Contender} the same way.
 *
 * <p>An acquisition yields an opaque <i>token</i> that is passed back to
 * {@link #release(boolean, Object)}: a multilock {@code Handle}, an async-util lock token, or a
 * marker for the locks whose release needs nothing but the mode. Modes are a {@code boolean}
 * ({@code exclusive}) so that no contender pays for a translation of enums.
 *
 * <p>Each forked benchmark JVM creates adapters of one class only, so the interface calls in the
 * benchmark loops stay monomorphic and are inlined like direct calls.
 */
interface LockAdapter {

    /**
     * Acquires now or fails, never waiting.
     *
     * @param exclusive {@code true} for the write (exclusive) mode, else the read (shared) mode
     * @return the token of the acquisition, or {@code null} if the lock could not be taken now
     */
    Object tryAcquire(boolean exclusive);

    /**
     * Acquires, blocking the calling thread until the lock is granted: {@code lock()} for the JDK
     * locks, {@code acquire(...).join()} for the asynchronous ones.
     *
     * @param exclusive the mode, as for {@link #tryAcquire(boolean)}
     * @return the token of the acquisition, never {@code null}
     */
    Object acquire(boolean exclusive);

    /**
     * Requests the lock asynchronously. The asynchronous locks return a stage that completes on
     * the grant, usually on the thread that released; the JDK locks block the calling thread in
     * {@code lock()} and return a completed stage, which is what their users do today.
     *
     * @param exclusive the mode, as for {@link #tryAcquire(boolean)}
     * @return a stage of the acquisition's token; the token may be {@code null} for locks whose
     *     release does not need one
     */
    CompletionStage<?> acquireAsync(boolean exclusive);

    /**
     * Releases an acquisition.
     *
     * @param exclusive the mode it was acquired in
     * @param token the token the acquisition yielded
     */
    void release(boolean exclusive, Object token);

    /**
     * Tells whether {@link #acquireAsync(boolean)} returns without waiting for the grant.
     *
     * @return {@code true} for the asynchronous locks, {@code false} for the JDK locks
     */
    boolean isAsync();
}
