package dev.multilock.tests;

import dev.multilock.KeyedMultiLock;

/** The real {@link KeyedMultiLock} behind the {@link TestedKeyedLock} operations. */
final class RealKeyedLock implements TestedKeyedLock {

    final KeyedMultiLock<TestKey> family = KeyedMultiLock.create();

    @Override
    public TestedLock get(int index) {
        return new RealLock(family.get(TestKey.of(index)));
    }

    @Override
    public int size() {
        return family.size();
    }

    @Override
    public String toString() {
        return family.toString();
    }
}
