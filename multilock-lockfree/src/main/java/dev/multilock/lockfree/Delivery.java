package dev.multilock.lockfree;

/**
 * Work that completes user futures, and so runs user continuations: queued on a
 * {@link Trampoline} rather than run where it arises, so that a continuation that releases a lock
 * does not recurse into the next grant.
 */
interface Delivery {

    /** Completes whatever this delivery is for. Must not throw. */
    void deliver();
}
