package dev.multilock.tests.pg;

import dev.multilock.Handle;
import dev.multilock.MultiLockType;
import dev.multilock.postgres.Lease;
import dev.multilock.postgres.PostgresMultiLocks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A child JVM's program for {@code MultiProcessLockTest}: takes one key EXCLUSIVE through
 * {@code PostgresMultiLocks} and holds it. Arguments: the JDBC URL, the namespace, the key.
 * Prints {@code held <fencing token>} once granted, then holds the key until the end of its
 * standard input (then releases it, closes the instance and prints {@code released}). Ends when
 * its parent ends and after 60 s in any case.
 */
final class ExclusiveHolderChild {

    private ExclusiveHolderChild() {}

    public static void main(String[] args) throws Exception {
        ChildJvm.haltWhenParentExits(Duration.ofSeconds(60));
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[0]);
        try (PostgresMultiLocks locks = PostgresMultiLocks.create(ds)) {
            Handle h = locks.keyed(args[1]).get(args[2]).acquire(MultiLockType.EXCLUSIVE)
                    .get(30, TimeUnit.SECONDS);
            System.out.println("held " + Lease.of(h).fencingToken());
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                // holds the key until the end of the input
            }
            h.release();
        }
        System.out.println("released");
    }
}
