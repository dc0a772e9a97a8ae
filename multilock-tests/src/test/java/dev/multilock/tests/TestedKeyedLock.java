package dev.multilock.tests;

/**
 * What the keyed suites drive: a family of locks over the keys {@link TestKey#of(int) k0, k1,
 * ...}, each key's lock a {@link TestedLock}, so that the real family ({@link RealKeyedLock}) and
 * families with a planted bug ({@link BrokenKeyedLock}) run through exactly the same checks.
 */
interface TestedKeyedLock {

    /**
     * The lock of key {@code index}. The real family returns a new view on every call, so the
     * suites also check that views fetched anew (after the key's state may have been dropped)
     * work.
     */
    TestedLock get(int index);

    /** As {@code KeyedMultiLock.size()}: keys with live state. */
    int size();
}
