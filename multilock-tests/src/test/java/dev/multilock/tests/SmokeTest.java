package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import org.junit.jupiter.api.Test;

final class SmokeTest {
    @Test
    void create_onModulePath_findsImplementation() {
        MultiLock lock = MultiLock.create();
        assertEquals(MultiLockType.NONE, lock.locked());
        assertEquals("dev.multilock.tests", SmokeTest.class.getModule().getName());
        assertEquals("dev.multilock.lockfree", lock.getClass().getModule().getName());
    }
}
