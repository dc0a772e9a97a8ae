import org.jspecify.annotations.NullMarked;

/**
 * multilock across processes and hosts: the same {@link dev.multilock.MultiLock} and
 * {@link dev.multilock.KeyedMultiLock} on PostgreSQL's advisory locks, through the PostgreSQL
 * JDBC driver over an application's {@link javax.sql.DataSource}.
 *
 * <pre>{@code
 * module my.app {
 *     requires dev.multilock.postgres;
 * }
 * }</pre>
 *
 * <p>{@link dev.multilock.postgres.PostgresMultiLocks} is the entry point. Requests inside one
 * process queue in the lock-free keyed lock of {@code dev.multilock.lockfree}, which this module
 * finds through the service loader at run time; across processes the server queues them.
 *
 * <p>The module is {@code @NullMarked}; the JSpecify annotations are needed to compile it, not
 * to run it.
 *
 * @since 0.1.0
 */
// The PostgreSQL JDBC driver and checker-qual are automatic modules; javac's warning for requiring
// one is expected, and only that lint is silenced here.
@SuppressWarnings("requires-automatic")
@NullMarked
module dev.multilock.postgres {
    requires transitive dev.multilock;
    requires transitive java.sql;
    requires org.postgresql.jdbc;
    requires static org.jspecify;
    requires static org.checkerframework.checker.qual; // the driver's annotations, see the pom

    exports dev.multilock.postgres;
}
