package dev.multilock.tests.pg;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * A child JVM's program for {@code ChildJvmTest}: connects to the JDBC URL of its first
 * argument (through {@code DriverManager}, so the driver is found as a service on the module
 * path), takes {@code pg_advisory_lock} of the key in its second argument, prints
 * {@code locked <backend pid>}, and holds the lock until a line {@code release} on standard
 * input (then prints {@code released}) or the end of its input. Ends when its parent ends and
 * after 60 s in any case.
 */
final class AdvisoryLockChild {

    private AdvisoryLockChild() {}

    public static void main(String[] args) throws Exception {
        ChildJvm.haltWhenParentExits(Duration.ofSeconds(60));
        String url = args[0];
        long key = Long.parseLong(args[1]);
        try (Connection c = DriverManager.getConnection(url)) {
            int backend;
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
                r.next();
                backend = r.getInt(1);
            }
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                s.setLong(1, key);
                s.execute();
            }
            System.out.println("locked " + backend);
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("release"); ) {
                System.out.println("ignored " + line);
            }
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                s.setLong(1, key);
                s.execute();
            }
            System.out.println("released");
        }
    }
}
