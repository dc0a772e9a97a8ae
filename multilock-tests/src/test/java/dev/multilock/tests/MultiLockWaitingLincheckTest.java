package dev.multilock.tests;

import dev.multilock.MultiLock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the lock with waiting requests, in the shape of
 * {@link WaitingLockOperations}: one thread acquires (requests that wait), cancels, polls its
 * requests, releases and downgrades; the others try to acquire and observe {@code locked()} and
 * {@code queueLength()}. Checked against {@link SequentialLock} with Lincheck's model checker
 * (with the obstruction-freedom check) and its stress runner; sizes in {@link LincheckConfig}.
 * {@link BrokenLockLincheckTest} shows that this suite rejects a lock that lets {@code tryAcquire}
 * barge past waiters and one that loses withdrawals.
 */
@Tag("lincheck")
public final class MultiLockWaitingLincheckTest extends WaitingLockOperations {

    public MultiLockWaitingLincheckTest() {
        super(new RealLock(MultiLock.create()));
    }

    @Test
    void modelCheckingTest() {
        LincheckConfig.modelChecking()
                .checkObstructionFreedom(true)
                .check(MultiLockWaitingLincheckTest.class);
    }

    @Test
    void stressTest() {
        LincheckConfig.stress().check(MultiLockWaitingLincheckTest.class);
    }
}
