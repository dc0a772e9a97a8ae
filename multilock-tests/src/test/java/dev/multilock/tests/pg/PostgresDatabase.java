package dev.multilock.tests.pg;

import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One database of the run's {@link PostgresServer}, made for one test class (see
 * {@link PostgresExtension}): advisory locks are per database, so locks taken here and the
 * sessions opened here are told apart from another class's by {@link #advisoryLocks()} and
 * {@link #connectionCount()}.
 *
 * @param server the cluster it lives in
 * @param name its name, a plain lower-case identifier
 */
public record PostgresDatabase(PostgresServer server, String name) {

    /** A JDBC URL of this database, user included. */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** A data source of this database. */
    public PGSimpleDataSource dataSource() {
        return server.dataSource(name);
    }

    /** A data source of this database whose sessions carry {@code applicationName}. */
    public PGSimpleDataSource dataSource(String applicationName) {
        return server.dataSource(name, applicationName);
    }

    /** The advisory locks held or awaited in this database. */
    public List<PostgresServer.AdvisoryLock> advisoryLocks() {
        return server.advisoryLocks(name);
    }

    /** How many client sessions are connected to this database (the inspecting one aside). */
    public int connectionCount() {
        return server.connectionCount(name);
    }
}
