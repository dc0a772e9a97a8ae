package dev.multilock.tests;

/**
 * What {@link StressDriver} drives: the locks of a few keys, each reached as a
 * {@link StressLock}. A single lock is a family of one key ({@link #of(StressLock)}); a keyed
 * family ({@link #of(TestedKeyedLock, int)}) hands out a new lock of a key on every call of
 * {@link #lock}, as {@code KeyedMultiLock.get} does, so that a driver that fetches the lock anew
 * for an operation meets a key whose state may have been dropped and created again since.
 *
 * @param <G> the type of a grant of the keys' locks
 */
interface StressFamily<G> {

    /** How many keys: the driver uses keys {@code 0 .. keys() - 1}. */
    int keys();

    /** The lock of {@code key}; a keyed family returns a new one on every call. */
    StressLock<G> lock(int key);

    /** The name of {@code key} in failure messages ("k1"); empty for a single lock. */
    String name(int key);

    /** As {@code KeyedMultiLock.size()}: keys with live state now; 0 for a single lock. */
    int size();

    /** The state of the family and of every key, for failure messages. */
    String describe();

    /** The family of one key whose lock is {@code lock}. */
    static <G> StressFamily<G> of(StressLock<G> lock) {
        return new StressFamily<>() {
            @Override
            public int keys() {
                return 1;
            }

            @Override
            public StressLock<G> lock(int key) {
                return lock;
            }

            @Override
            public String name(int key) {
                return "";
            }

            @Override
            public int size() {
                return 0;
            }

            @Override
            public String describe() {
                return lock.describe();
            }
        };
    }

    /**
     * The keys {@link TestKey#of(int) k0 .. k(keys - 1)} of {@code family}; each call of
     * {@link #lock} fetches the key's lock anew with {@link TestedKeyedLock#get}.
     */
    static StressFamily<Object> of(TestedKeyedLock family, int keys) {
        return new StressFamily<>() {
            @Override
            public int keys() {
                return keys;
            }

            @Override
            public StressLock<Object> lock(int key) {
                return StressLock.ofTested(family.get(key));
            }

            @Override
            public String name(int key) {
                return TestKey.of(key).toString();
            }

            @Override
            public int size() {
                return family.size();
            }

            @Override
            public String describe() {
                StringBuilder s = new StringBuilder(family.toString()).append(" {");
                for (int key = 0; key < keys; key++) {
                    s.append(key == 0 ? "" : "; ").append(family.get(key));
                }
                return s.append('}').toString();
            }
        };
    }
}
