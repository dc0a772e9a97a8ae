package dev.multilock.benchmarks;

/**
 * A read/write lock shared by processes through a server, behind the small interface that
 * {@link DistributedScenarios} drives for each {@link DistContender}: SHARED and EXCLUSIVE on
 * keys that are small numbers, each contender mapping them to its own names.
 *
 * <p>The peers' locks are owned by a thread (Redisson's by the client's id and the thread's,
 * Curator's by the thread in its process): every acquisition is released, checked and asked for
 * its token on the thread that took it, which the scenarios do. An acquisition is represented by
 * an object of the contender's own ({@code Grant}), given back to every other method.
 */
interface DistLocks extends AutoCloseable {

    /** What {@link #fencingToken} returns for a contender that has no fencing tokens. */
    long NO_TOKEN = PgLocks.NO_TOKEN;

    /**
     * Takes a key, waiting at most {@code timeoutNanos}.
     *
     * @param key the key, from 0 to the number of keys the instance was made for, exclusive
     * @param exclusive EXCLUSIVE if true, else SHARED
     * @param timeoutNanos how long to wait at most
     * @return the acquisition, or {@code null} if the time ran out first (nothing is then held)
     */
    Object lock(int key, boolean exclusive, long timeoutNanos);

    /**
     * Releases an acquisition, on the thread that took it.
     *
     * @param grant the acquisition
     * @throws RuntimeException what the contender throws when it no longer held the lock
     */
    void unlock(Object grant);

    /**
     * The best fencing token a user of this lock has for an acquisition, taken at the grant (the
     * scenario asks for it at once): a number that a later EXCLUSIVE holder of the key gets
     * larger. May cost a round trip; the throughput scenarios do not ask for it.
     *
     * @param grant the acquisition
     * @return its token, or {@link #NO_TOKEN} if the lock has none
     */
    long fencingToken(Object grant);

    /**
     * What a holder can ask the contender about its acquisition before it writes: the check the
     * contender offers, its answer now, and whether that answer is a look at the server or only
     * at this process's own state.
     *
     * @param grant the acquisition
     * @return the check's name and answer, e.g. {@code "isHeldByCurrentThread()=false"}
     */
    Check check(Object grant);

    /**
     * The answer of {@link #check}.
     *
     * @param held whether the check says the lock is still held
     * @param what the API that was asked, with its answer, for the report
     */
    record Check(boolean held, String what) {}

    /** Closes the contender's connections; every acquisition must have been released. */
    @Override
    void close();
}
