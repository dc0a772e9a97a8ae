package dev.multilock.benchmarks;

/**
 * One way to take EXCLUSIVE locks shared by every process on one PostgreSQL database, behind the
 * small interface {@link PostgresBenchmark} and {@link CrossProcessHandoff} drive: the keys are
 * small numbers, each contender maps them to its own keys.
 *
 * <p>A token stands for one acquisition and is given back to {@link #unlock}.
 */
interface PgLocks extends AutoCloseable {

    /** What {@link #fencingToken} returns for a contender that has no fencing tokens. */
    long NO_TOKEN = Long.MIN_VALUE;

    /**
     * Takes key {@code key} EXCLUSIVE, waiting as long as it takes.
     *
     * @param key the key, from 0 to the number of keys the instance was made for, exclusive
     * @return the token of the acquisition
     */
    Object lock(int key);

    /**
     * Takes key {@code key} EXCLUSIVE if that can be done without waiting.
     *
     * @param key the key
     * @return the token of the acquisition, or {@code null} if it was refused
     */
    Object tryLock(int key);

    /**
     * Releases an acquisition.
     *
     * @param key the key it was taken on
     * @param token its token
     * @throws IllegalStateException if the lock was not held
     */
    void unlock(int key, Object token);

    /**
     * The fencing token of an acquisition.
     *
     * @param token the acquisition's token
     * @return its fencing token, or {@link #NO_TOKEN}
     */
    long fencingToken(Object token);

    /** Lets go of every session; every acquisition must have been released. */
    @Override
    void close();
}
