package dev.multilock.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link Contender#NOOP}: a "lock" that grants every request at once and excludes nobody, the
 * measure of a harness's own cost (issue 12 part 2: multilock within 1.2× of it). Every
 * acquisition returns the same token, and every asynchronous one the same completed future, so
 * the contender allocates nothing and its continuation runs at once on the requesting thread:
 * what remains of a scenario's time is the scenario's own work (its executor, its critical
 * sections, its bookkeeping). Not a lock: never use it where exclusion is checked.
 */
final class NoopAdapter implements LockAdapter {

    private static final Object TOKEN = new Object();
    private static final CompletableFuture<Object> GRANTED =
            CompletableFuture.completedFuture(TOKEN);

    @Override
    public Object tryAcquire(boolean exclusive) {
        return TOKEN;
    }

    @Override
    public Object acquire(boolean exclusive) {
        return TOKEN;
    }

    @Override
    public CompletionStage<?> acquireAsync(boolean exclusive) {
        return GRANTED;
    }

    @Override
    public void release(boolean exclusive, Object token) {
        if (token != TOKEN) {
            throw new IllegalArgumentException("not a token of the do-nothing lock: " + token);
        }
    }

    @Override
    public boolean isAsync() {
        return true;
    }
}
