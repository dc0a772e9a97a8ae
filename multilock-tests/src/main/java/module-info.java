/**
 * The test suites of multilock. The tests are compiled into this module and run on the module
 * path, so they see exactly what an application that requires {@code dev.multilock.lockfree}
 * and {@code dev.multilock.postgres} sees: the types of {@code dev.multilock} and
 * {@code dev.multilock.postgres}, and nothing of the implementations.
 *
 * <p>The PostgreSQL tests (package {@code dev.multilock.tests.pg}) connect to a throwaway server
 * through JDBC: {@code java.sql}, and the PostgreSQL driver, which is an automatic module
 * ({@code Automatic-Module-Name: org.postgresql.jdbc}, no module descriptor). Requiring an
 * automatic module is what {@code -Xlint:requires-automatic} warns about; it is deliberate here,
 * in a module that is never published, hence the suppression. The driver's data sources
 * implement {@code javax.naming.Referenceable}, so using them needs {@code java.naming} (an
 * automatic module declares no requires of its own). {@code java.management} gives
 * {@code ChildJvm} the JVM options of the running test JVM, which it copies to the child JVMs
 * it starts.
 */
@SuppressWarnings("requires-automatic")
open module dev.multilock.tests {
    requires dev.multilock.lockfree;
    requires dev.multilock.postgres;
    requires java.management;
    requires jdk.jfr;
    requires java.naming;
    requires java.sql;
    requires org.postgresql.jdbc;
}
