package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.postgres.PostgresMultiLocks;
import dev.multilock.tests.pg.PostgresDatabase;
import dev.multilock.tests.pg.PostgresExtension;
import dev.multilock.tests.pg.PostgresServer;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour suites on {@link Backend#POSTGRES}: each nested class is one suite of this
 * package whose {@code backends()} source is PostgreSQL instead of the in-JVM backends, so every
 * test of the suite runs again, unchanged, on a fresh key of the run's shared
 * {@code PostgresMultiLocks} ({@link PostgresBackend}). What PostgreSQL cannot keep is skipped in
 * the suite itself, with the reason.
 *
 * <p>Tagged {@code postgres}, like every test that needs the server: {@code mvn verify} runs it
 * (the server starts with the first test that needs it), {@code -DexcludedGroups=postgres} leaves
 * it out and keeps the suites' in-JVM variants. The suites are found through this class only:
 * their own classes run the in-JVM backends.
 */
@Tag("postgres")
@ExtendWith(PostgresExtension.class)
@ExtendWith(PostgresBackend.Starter.class)
final class PostgresBackendTest {

    /**
     * On a database where no EXCLUSIVE lock was ever taken, which the suites' shared instance is
     * not (it took one before them), an EXCLUSIVE request queued behind this process's SHARED
     * server lock must be granted when the SHARED holder leaves (rules 1 and 2). It failed with
     * "relation multilock_fencing does not exist" before f8d476f: tokens were reserved under the
     * SHARED server lock, on the table that only an EXCLUSIVE acquisition creates.
     */
    @Test
    void acquireExclusive_queuedBehindSharedOnFreshDatabase_grantedWhenSharedReleased(
            PostgresServer pg) {
        PostgresDatabase db = pg.newDatabase("fresh");
        try (PostgresMultiLocks locks = PostgresMultiLocks.create(db.dataSource())) {
            MultiLock lock = locks.keyed("fresh").get("k");
            Handle reader = lock.tryAcquire(SHARED).orElseThrow();
            CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
            assertFalse(writer.isDone(), "the EXCLUSIVE waits for the SHARED holder");
            reader.release();
            Handle w = Backend.POSTGRES.granted(writer);
            assertSame(EXCLUSIVE, w.type());
            assertTrue(w.release());
        }
    }

    @Nested
    final class Fairness extends FairnessTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class Cancellation extends CancellationTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class OutsideCompletion extends OutsideCompletionTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class Watches extends WatchTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class WhenAcquirable extends WhenAcquirableTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class Sets extends MultiLockSetTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class Downgrade extends DowngradeTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class SeedBehaviour extends SeedBehaviourTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class WithLock extends WithLockTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class Handles extends HandleTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class Executors extends ExecutorTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }

    @Nested
    final class StackSafety extends StackSafetyTest {
        @Override
        Stream<Backend> backends() {
            return Backend.postgres();
        }
    }
}
