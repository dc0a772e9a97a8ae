package dev.multilock.tests.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A throwaway PostgreSQL cluster, started from the server programs installed on this machine
 * (see {@link PostgresBinaries}) for one test run and deleted after it. Tests get the one
 * instance of a run from {@link PostgresExtension}; nothing else should call {@link #start()}.
 *
 * <p>The cluster: {@code initdb} (trust authentication, superuser {@code postgres}, UTF8, C
 * locale, no sync) into a new directory under {@code java.io.tmpdir}; the server listens on
 * 127.0.0.1 only, on a port that was free when it started, with its unix socket in that
 * directory; {@code fsync} off, {@code max_connections} 200; its log in {@code server.log}
 * there. When this JVM runs as root the directory belongs to the OS user {@code postgres}, which
 * runs {@code initdb} and {@code pg_ctl}.
 *
 * <p>For the tests: JDBC addresses and data sources ({@link #jdbcUrl()}, {@link #dataSource()}),
 * an isolated database per caller ({@link #newDatabase(String)}), {@link #restart()} on the same
 * port and data, and what the server sees, for leak checks: {@link #advisoryLocks()},
 * {@link #backends(String)}, {@link #connectionCount(String)},
 * {@link #terminateBackend(int)}. These queries open their own short session (application name
 * {@value #ADMIN_APPLICATION}), which none of them counts.
 *
 * <p>{@link #close()} stops the server ({@code pg_ctl stop -m immediate}, then SIGKILL if need
 * be) and deletes the directory; a shutdown hook does the same if the JVM exits first. A run
 * that is killed (SIGKILL) leaves its cluster behind: the next {@link #start()} on the machine
 * stops and deletes every cluster whose owning JVM is gone.
 */
public final class PostgresServer implements AutoCloseable {

    /** The only address the server listens on. */
    public static final String HOST = "127.0.0.1";
    /** The superuser, with trust authentication: no password. */
    public static final String USER = "postgres";
    /** The database that initdb creates and every cluster has. */
    public static final String DEFAULT_DATABASE = "postgres";
    /** The application name of the sessions the inspection methods open. */
    public static final String ADMIN_APPLICATION = "multilock-tests-admin";

    /** How long the server may take to accept connections, at start and at restart. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    /** How long initdb may take (about 2 s, more on a loaded machine). */
    static final Duration INITDB_TIMEOUT = Duration.ofSeconds(120);
    /** How long a stop may take. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** How many free ports to try when another process takes the chosen one first. */
    private static final int PORT_ATTEMPTS = 5;
    /** Directories of clusters under java.io.tmpdir start with this. */
    static final String DIRECTORY_PREFIX = "multilock-pg-";
    /** The file in a cluster's directory that names the JVM that owns it. */
    private static final String OWNER_FILE = "owner";

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final PostgresBinaries binaries;
    private final Path directory;
    private final Path data;
    private final Path log;
    private final Thread shutdownHook;
    private volatile int port;
    private volatile String version = "?";
    private long initdbNanos;
    private long startNanos;
    private boolean closed; // guarded by this

    private PostgresServer(PostgresBinaries binaries, Path directory) {
        this.binaries = binaries;
        this.directory = directory;
        this.data = directory.resolve("data");
        this.log = directory.resolve("server.log");
        this.shutdownHook = new Thread(() -> destroy("by the shutdown hook"),
                "multilock-postgres-cleanup");
    }

    /**
     * Creates and starts a new cluster, within {@link #INITDB_TIMEOUT} plus
     * {@link #STARTUP_TIMEOUT}; when it cannot, deletes what it made and throws an
     * {@link IllegalStateException} saying why (which program is missing, or the tail of the
     * server's log).
     */
    public static PostgresServer start() {
        PostgresBinaries binaries = PostgresBinaries.find();
        reapAbandoned(binaries);
        PostgresServer server = new PostgresServer(binaries, createDirectory());
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        boolean started = false;
        try {
            long t0 = System.nanoTime();
            server.initdb();
            long t1 = System.nanoTime();
            server.startOnFreePort();
            long t2 = System.nanoTime();
            server.initdbNanos = t1 - t0;
            server.startNanos = t2 - t1;
            server.version = server.queryString("SHOW server_version");
            started = true;
            System.err.println("[multilock-tests] " + server);
            return server;
        } finally {
            if (!started) {
                server.close();
            }
        }
    }

    // ---- addresses ----

    /** The port the server listens on, the same across {@link #restart()}. */
    public int port() {
        return port;
    }

    /** The PostgreSQL version, as {@code SHOW server_version} gives it. */
    public String version() {
        return version;
    }

    /** The cluster's directory: its data directory, log and unix socket are in it. */
    public Path directory() {
        return directory;
    }

    /** The server's log file. */
    public Path logFile() {
        return log;
    }

    /** A JDBC URL of the default database, user included: {@code DriverManager} needs no more. */
    public String jdbcUrl() {
        return jdbcUrl(DEFAULT_DATABASE);
    }

    /** A JDBC URL of {@code database}, user included. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database + "?user=" + USER;
    }

    /** A data source of the default database. */
    public PGSimpleDataSource dataSource() {
        return dataSource(DEFAULT_DATABASE);
    }

    /** A data source of {@code database}; it connects within 10 s or fails. */
    public PGSimpleDataSource dataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {HOST});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(USER);
        ds.setConnectTimeout(10);
        return ds;
    }

    /** A data source of {@code database} whose sessions carry {@code applicationName}. */
    public PGSimpleDataSource dataSource(String database, String applicationName) {
        PGSimpleDataSource ds = dataSource(database);
        ds.setApplicationName(applicationName);
        return ds;
    }

    /**
     * Creates a new empty database, named after {@code hint} (lower-cased, letters, digits and
     * underscores kept, cut short) and a number unique in this JVM: a place of its own for one
     * test class. Not dropped: the cluster goes at the end of the run.
     */
    public PostgresDatabase newDatabase(String hint) {
        String base = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (base.isEmpty() || !Character.isLetter(base.charAt(0))) {
            base = "db_" + base;
        }
        String name = (base.length() > 40 ? base.substring(0, 40) : base)
                + "_" + DATABASES.incrementAndGet();
        execute("CREATE DATABASE " + name); // name is [a-z][a-z0-9_]*: no quoting needed
        return new PostgresDatabase(this, name);
    }

    // ---- life cycle ----

    /**
     * Stops the server ({@code pg_ctl stop -m fast}: every session is disconnected, so every
     * advisory lock is released) and starts it again on the same port and data directory;
     * returns once it accepts connections again. Data sources made before stay good.
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("restart after close: " + this);
        }
        stopServer("fast");
        if (isRunning()) {
            throw new IllegalStateException("pg_ctl stop -m fast left the server running; log: "
                    + logTail(20));
        }
        long from = logSize();
        Exec.Result r = pgCtlStart();
        if (!r.succeeded()) {
            throw new IllegalStateException("PostgreSQL did not start again on port " + port
                    + ": " + r.describe() + "\nserver log:\n" + logSince(from));
        }
        awaitAcceptingConnections();
    }

    /** Stops the server at once and deletes its directory; the second call does nothing. */
    @Override
    public void close() {
        try {
            destroy("closed");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing to remove
            }
        }
    }

    /** Stops the server, deletes the directory and says so, with {@code how}. */
    private void destroy(String how) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                stopServer("immediate");
            }
        } finally {
            Exec.deleteQuietly(directory);
            System.err.println("[multilock-tests] PostgreSQL "
                    + (port > 0 ? "on port " + port + " " : "") + "stopped, " + directory
                    + " deleted (" + how + ")");
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL " + version + " on " + HOST + ":" + port
                + " from " + binaries.directory()
                + ", data in " + data + "; started in " + millis(initdbNanos + startNanos)
                + " ms (initdb " + millis(initdbNanos) + " ms, start " + millis(startNanos)
                + " ms)";
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    // ---- what the server sees ----

    /**
     * One row of {@code pg_locks} with {@code locktype = 'advisory'}.
     *
     * @param pid the backend that holds or awaits the lock
     * @param mode {@code ExclusiveLock} or {@code ShareLock}
     * @param granted whether it is held (false: the backend waits for it)
     * @param classId the high 32 bits of a {@code bigint} key, or the first {@code int} key
     * @param objId the low 32 bits of a {@code bigint} key, or the second {@code int} key
     * @param objSubId 1 for the {@code bigint} form, 2 for the two-{@code int} form
     * @param database the database the lock belongs to
     */
    public record AdvisoryLock(int pid, String mode, boolean granted, long classId, long objId,
            int objSubId, String database) {

        /** The {@code bigint} key of a lock taken with the one-key form (objSubId 1). */
        public long key() {
            return (classId << 32) | (objId & 0xFFFF_FFFFL);
        }

        public boolean isExclusive() {
            return mode.equals("ExclusiveLock");
        }

        public boolean isShared() {
            return mode.equals("ShareLock");
        }
    }

    /** Every advisory lock held or awaited in the cluster, ordered by pid and key. */
    public List<AdvisoryLock> advisoryLocks() {
        return advisoryLocks(Optional.empty());
    }

    /** Every advisory lock held or awaited in {@code database}, ordered by pid and key. */
    public List<AdvisoryLock> advisoryLocks(String database) {
        return advisoryLocks(Optional.of(database));
    }

    private List<AdvisoryLock> advisoryLocks(Optional<String> database) {
        String sql = "SELECT l.pid, l.mode, l.granted, l.classid, l.objid, l.objsubid, d.datname"
                + " FROM pg_locks l LEFT JOIN pg_database d ON d.oid = l.database"
                + " WHERE l.locktype = 'advisory'"
                + (database.isPresent() ? " AND d.datname = ?" : "")
                + " ORDER BY l.pid, l.classid, l.objid, l.objsubid, l.mode";
        try (Connection c = adminConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (database.isPresent()) {
                s.setString(1, database.get());
            }
            List<AdvisoryLock> locks = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    locks.add(new AdvisoryLock(r.getInt(1), r.getString(2), r.getBoolean(3),
                            r.getLong(4), r.getLong(5), r.getInt(6), r.getString(7)));
                }
            }
            return locks;
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /**
     * The pids of the client sessions ({@code pg_stat_activity}) connected to the database
     * {@code databaseOrApplicationName} or carrying it as application name, in pid order.
     */
    public List<Integer> backends(String databaseOrApplicationName) {
        String sql = "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'"
                + " AND pid <> pg_backend_pid() AND (datname = ? OR application_name = ?)"
                + " ORDER BY pid";
        try (Connection c = adminConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, databaseOrApplicationName);
            s.setString(2, databaseOrApplicationName);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    pids.add(r.getInt(1));
                }
            }
            return pids;
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** How many client sessions {@link #backends(String)} finds: for connection leak checks. */
    public int connectionCount(String databaseOrApplicationName) {
        return backends(databaseOrApplicationName).size();
    }

    /**
     * Ends the session of backend {@code pid} as a killed connection would
     * ({@code pg_terminate_backend}) and waits up to 5 s for it to be gone; its advisory locks
     * go with it. False if there was no such backend or it outlived the wait.
     */
    public boolean terminateBackend(int pid) {
        String sql = "SELECT pg_terminate_backend(?, 5000)";
        try (Connection c = adminConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setInt(1, pid);
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** The last {@code lines} lines of the server log, for failure messages. */
    public String logTail(int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no server log at " + log + ")";
            }
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private Connection adminConnection() throws SQLException {
        return dataSource(DEFAULT_DATABASE, ADMIN_APPLICATION).getConnection();
    }

    private void execute(String sql) {
        try (Connection c = adminConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    private String queryString(String sql) {
        try (Connection c = adminConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            if (!r.next()) {
                throw new IllegalStateException(sql + " returned no row");
            }
            return r.getString(1);
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    private IllegalStateException failed(String sql, SQLException e) {
        return new IllegalStateException(sql + " failed on " + HOST + ":" + port + ": " + e, e);
    }

    // ---- creating, starting and stopping the cluster ----

    /** A new directory under java.io.tmpdir, owned by the cluster's OS user, naming its JVM. */
    private static Path createDirectory() {
        try {
            Path dir = Files.createTempDirectory(DIRECTORY_PREFIX);
            ProcessHandle self = ProcessHandle.current();
            Files.writeString(dir.resolve(OWNER_FILE), self.pid() + " "
                    + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n",
                    StandardCharsets.UTF_8);
            if (Exec.isRoot()) {
                UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(Exec.POSTGRES_USER);
                Files.setOwner(dir, owner);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's directory (running as"
                    + " root needs an OS user " + Exec.POSTGRES_USER + ")", e);
        }
    }

    private void initdb() {
        Exec.Result r = Exec.run(Exec.asClusterOwner(List.of(binaries.initdb().toString(),
                "-D", data.toString(), "-A", "trust", "-U", USER, "--no-sync",
                "-E", "UTF8", "--locale=C")), directory, INITDB_TIMEOUT);
        if (!r.succeeded()) {
            throw new IllegalStateException("initdb failed: " + r.describe());
        }
        try {
            Files.writeString(data.resolve("postgresql.conf"),
                    "\n# multilock tests: the settings of a throwaway cluster\n"
                            + "include 'multilock.conf'\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the settings (the port among them) that postgresql.conf includes. */
    private void writeSettings(int port) {
        String settings = "listen_addresses = '" + HOST + "'\n"
                + "port = " + port + "\n"
                + "unix_socket_directories = '" + directory + "'\n"
                + "max_connections = 200\n"
                + "fsync = off\n"
                + "synchronous_commit = off\n"
                + "full_page_writes = off\n"
                + "log_line_prefix = '%m [%p] %q%a '\n";
        try {
            Path file = data.resolve("multilock.conf");
            Files.writeString(file, settings, StandardCharsets.UTF_8);
            if (Exec.isRoot()) {
                Files.setOwner(file, Files.getOwner(data));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startOnFreePort() {
        for (int attempt = 1; ; attempt++) {
            port = freeLoopbackPort();
            writeSettings(port);
            long from = logSize();
            Exec.Result r = pgCtlStart();
            if (r.succeeded()) {
                awaitAcceptingConnections();
                return;
            }
            String serverLog = logSince(from);
            boolean portTaken = serverLog.contains("could not bind")
                    || serverLog.contains("Address already in use");
            if (!portTaken || attempt == PORT_ATTEMPTS) {
                throw new IllegalStateException("PostgreSQL did not start on " + HOST + ":" + port
                        + " (attempt " + attempt + "): " + r.describe() + "\nserver log:\n"
                        + serverLog);
            }
        }
    }

    /** A port nobody listened on a moment ago; the server start retries if one takes it. */
    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

    private Exec.Result pgCtlStart() {
        return Exec.run(Exec.asClusterOwner(List.of(binaries.pgCtl().toString(),
                "-D", data.toString(), "-l", log.toString(), "-w",
                "-t", Long.toString(STARTUP_TIMEOUT.toSeconds()), "start")),
                directory, STARTUP_TIMEOUT.plusSeconds(15));
    }

    /**
     * Returns once a JDBC session opens and answers; polls, since only the server knows when it
     * is ready, for at most {@link #STARTUP_TIMEOUT}, then fails with the log's tail.
     */
    private void awaitAcceptingConnections() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        SQLException last;
        do {
            try (Connection c = adminConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                last = e;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // pause between polls
        } while (System.nanoTime() - deadline < 0);
        throw new IllegalStateException("PostgreSQL on " + HOST + ":" + port
                + " does not accept connections after " + STARTUP_TIMEOUT.toSeconds() + " s: "
                + last + "\nserver log:\n" + logTail(30), last);
    }

    /**
     * {@code pg_ctl stop -m mode}, bounded; then, whatever it did, the postmaster and every
     * server process it had are killed if still alive, and waited for.
     */
    private void stopServer(String mode) {
        List<ProcessHandle> processes = serverProcesses();
        try {
            Exec.Result r = Exec.run(Exec.asClusterOwner(List.of(binaries.pgCtl().toString(),
                    "-D", data.toString(), "-m", mode, "-w",
                    "-t", Long.toString(STOP_TIMEOUT.toSeconds()), "stop")),
                    directory, STOP_TIMEOUT.plusSeconds(10));
            if (!r.succeeded()) {
                System.err.println("[multilock-tests] " + r.describe());
            }
        } catch (RuntimeException e) {
            System.err.println("[multilock-tests] pg_ctl stop failed, killing the server: " + e);
        } finally {
            for (ProcessHandle p : processes) {
                p.destroyForcibly();
            }
            for (ProcessHandle p : processes) {
                try {
                    p.onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (Exception e) {
                    System.err.println("[multilock-tests] server process " + p.pid()
                            + " did not end: " + e);
                }
            }
        }
    }

    /** Whether the postmaster named in postmaster.pid is alive. */
    private boolean isRunning() {
        return postmaster(data).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The postmaster and its descendants, as they are now. */
    private List<ProcessHandle> serverProcesses() {
        List<ProcessHandle> all = new ArrayList<>();
        postmaster(data).ifPresent(p -> {
            all.add(p);
            p.descendants().forEach(all::add);
        });
        return all;
    }

    /** The live process whose pid the first line of {@code data/postmaster.pid} holds. */
    private static Optional<ProcessHandle> postmaster(Path data) {
        try {
            Path pidFile = data.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).strip().matches("[0-9]+")) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(lines.get(0).strip()))
                    .filter(p -> p.info().command().map(c -> c.contains("postgres"))
                            .orElse(true));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private long logSize() {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private String logSince(long offset) {
        try {
            if (!Files.exists(log)) {
                return "(no server log at " + log + ")";
            }
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    // ---- clusters left behind by killed runs ----

    /**
     * Stops and deletes each cluster under java.io.tmpdir whose owning JVM is gone (a test run
     * killed with SIGKILL runs no shutdown hook). A cluster whose owner is alive, or whose
     * owner file is not written yet, is left alone.
     */
    private static void reapAbandoned(PostgresBinaries binaries) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(tmp)) {
            candidates = entries
                    .filter(p -> p.getFileName().toString().startsWith(DIRECTORY_PREFIX))
                    .filter(Files::isDirectory)
                    .toList();
        } catch (IOException e) {
            return;
        }
        for (Path dir : candidates) {
            if (ownerAlive(dir)) {
                continue;
            }
            new PostgresServer(binaries, dir).destroy("its test run is gone");
        }
    }

    /** Whether the JVM named in {@code dir/owner} is alive; true if that cannot be told. */
    private static boolean ownerAlive(Path dir) {
        try {
            String[] owner = Files.readString(dir.resolve(OWNER_FILE), StandardCharsets.UTF_8)
                    .strip().split(" ");
            long pid = Long.parseLong(owner[0]);
            long started = Long.parseLong(owner[1]);
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .map(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(0L)
                            == started)
                    .orElse(false);
        } catch (IOException | RuntimeException e) {
            // no owner file (yet, or not readable by us), or not ours: leave it alone
            return true;
        }
    }
}
