package dev.multilock.tests;

/**
 * The keys of the keyed suites: equal by index, with hash codes that collide on purpose, so that
 * every suite also checks that unequal keys with equal hash codes are two locks (API.md, K1 and
 * K5). Not {@code Comparable}: a family must not need an order of its keys.
 *
 * <p>{@code TestKey.of(0)} has a hash code of its own; every other key has the hash code
 * {@value #COLLIDING_HASH}.
 *
 * @param index which key
 */
record TestKey(int index) {

    static final int COLLIDING_HASH = 0x5eed;

    static TestKey of(int index) {
        return new TestKey(index);
    }

    @Override
    public int hashCode() {
        return index == 0 ? 7 : COLLIDING_HASH;
    }

    @Override
    public String toString() {
        return "k" + index;
    }
}
