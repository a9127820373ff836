package dev.ladder.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real, private MariaDB server for tests: its own data folder, its own free port on 127.0.0.1, started from
 * Debian's {@code mariadb-server} binaries (no Docker, no mocks).
 *
 * <p>{@link #shared()} is one server per JVM, started lazily and stopped by a shutdown hook; {@link #start()} is a
 * fresh server that the caller owns (for fault tests that {@link #kill()} it) and must {@link #close()}.
 *
 * <p>Each instance lives in {@code target/mariadb-<random>/} (the data in {@code data/}, the server's log in
 * {@code error.log}). Instances left behind by a JVM that died without running its shutdown hooks are reaped the
 * next time a JVM starts one in the same folder.
 */
public final class MariaDb implements AutoCloseable {

    private static final String USER = "ladder";
    private static final String PASSWORD = "ladder";
    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 4;
    /** Unix socket paths are limited to 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 100;
    private static final String INSTANCE_PREFIX = "mariadb-";
    private static final String OWNER_FILE = "owner.pid";

    private static final Object SHARED_LOCK = new Object();
    private static volatile MariaDb shared;
    private static RuntimeException sharedFailure;
    private static final AtomicBoolean REAPED = new AtomicBoolean();
    /** Replicas get server ids 2, 3, ...; a primary has 1. Unique within a JVM, which is all a test's servers need. */
    private static final AtomicInteger REPLICA_SERVER_IDS = new AtomicInteger(2);

    private final Path root;
    private final Path dataDir;
    private final Path socket;
    private final Path socketDir; // non-null only when the socket had to live outside root (path too long)
    private final Path errorLog;
    private final int port;
    private volatile Process process;
    private final boolean isShared;
    /** Options beyond the common ones (binary log, server id, read-only), kept for {@link #restart()}. */
    private final List<String> serverOptions;
    private final AtomicInteger databases = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private MariaDb(Path root, Path dataDir, Path socket, Path socketDir, Path errorLog, int port, Process process,
                    boolean isShared, List<String> serverOptions) {
        this.root = root;
        this.dataDir = dataDir;
        this.socket = socket;
        this.socketDir = socketDir;
        this.errorLog = errorLog;
        this.port = port;
        this.process = process;
        this.isShared = isShared;
        this.serverOptions = List.copyOf(serverOptions);
    }

    // ------------------------------------------------------------------------------------------------ factories

    /** The JVM-wide server: started on first use, stopped by a JVM shutdown hook. {@link #close()} on it does nothing. */
    public static MariaDb shared() {
        MariaDb instance = shared;
        if (instance != null) {
            return instance;
        }
        synchronized (SHARED_LOCK) {
            if (shared != null) {
                return shared;
            }
            if (sharedFailure != null) {
                // Do not spend another minute per test class on a server that could not start.
                throw new IllegalStateException("the shared MariaDB failed to start earlier", sharedFailure);
            }
            try {
                MariaDb started = launch(true, List.of());
                Runtime.getRuntime().addShutdownHook(
                        Thread.ofPlatform().name("mariadb-shutdown").unstarted(started::stop));
                shared = started;
                return started;
            } catch (RuntimeException e) {
                sharedFailure = e;
                throw e;
            }
        }
    }

    /** A fresh private server, owned by the caller, who must {@link #close()} it. */
    public static MariaDb start() {
        return startWith(List.of());
    }

    private static MariaDb startWith(List<String> serverOptions) {
        MariaDb started = launch(false, serverOptions);
        // Safety net when a test forgets to close it; close() is idempotent.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("mariadb-shutdown").unstarted(started::stop));
        return started;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    public int port() {
        return port;
    }

    /** A Connector/J URL for {@code database} (null or empty: no default database). */
    public String jdbcUrl(String database) {
        String db = database == null ? "" : database;
        return "jdbc:mysql://127.0.0.1:" + port + "/" + db
                + "?sslMode=DISABLED"
                + "&allowPublicKeyRetrieval=true"
                + "&characterEncoding=UTF-8"
                // Without this the session collation is utf8mb4_general_ci, so literals compare case-insensitively.
                + "&connectionCollation=utf8mb4_bin"
                + "&connectionTimeZone=UTC"
                + "&connectTimeout=5000";
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** The process id of the server (for fault tests). */
    public long pid() {
        return process.pid();
    }

    /** Whether the server process is still running. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** The instance folder: {@code data/}, {@code error.log}, {@code mysqld.pid}. Deleted by {@link #close()}. */
    public Path directory() {
        return root;
    }

    /** Creates a new, uniquely named database in utf8mb4 / utf8mb4_bin and returns its name. */
    public String createDatabase() {
        String name = "ladder_" + databases.incrementAndGet() + "_" + randomHex(4);
        try (Connection c = DriverManager.getConnection(jdbcUrl(""), USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create a database on MariaDB at port " + port
                    + ": " + e.getMessage() + logTail(), e);
        }
        return name;
    }

    // ------------------------------------------------------------------------------------------------ replication

    /**
     * A fresh private server that writes a binary log (row format, GTIDs in domain 0, server_id 1), so
     * {@link #startReplicaOf} can follow it. Owned by the caller, who must {@link #close()} it.
     */
    public static MariaDb startPrimary() {
        return startWith(List.of("--server-id=1", "--log-bin=mariadb-bin", "--binlog-format=ROW"));
    }

    /**
     * A fresh private server replicating from primary by GTID from the start of its binary log
     * (CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos), read-only, with a server_id of its own. Returns once
     * both replication threads run and it has applied everything the primary had logged. The test user
     * may still write to it (it holds every privilege), as a test that proves where reads go does.
     */
    public static MariaDb startReplicaOf(MariaDb primary) {
        MariaDb replica = startWith(List.of("--server-id=" + REPLICA_SERVER_IDS.getAndIncrement(), "--read-only",
                "--relay-log=relay-bin"));
        try {
            replica.asRoot("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port()
                    + ", MASTER_USER='" + USER + "', MASTER_PASSWORD='" + PASSWORD + "', MASTER_CONNECT_RETRY=1,"
                    + " MASTER_USE_GTID=slave_pos", "START SLAVE");
            replica.awaitCaughtUpWith(primary);
            return replica;
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
    }

    /** Stops applying what arrives from the primary (STOP SLAVE SQL_THREAD): the replica falls behind, as a slow one does. */
    public void pauseReplication() {
        asRoot("STOP SLAVE SQL_THREAD");
    }

    /** Applies again what arrives from the primary (START SLAVE SQL_THREAD). */
    public void resumeReplication() {
        asRoot("START SLAVE SQL_THREAD");
    }

    /** Waits (up to a minute) until this replica has applied everything primary has logged so far. */
    public void awaitCaughtUpWith(MariaDb primary) {
        String position = primary.queryAsRoot("SELECT @@gtid_binlog_pos");
        String reached = queryAsRoot("SELECT MASTER_GTID_WAIT('" + position + "', 60)");
        if (!"0".equals(reached)) {
            throw new IllegalStateException("replica on port " + port + " did not reach " + position + " within 60 s (got "
                    + reached + "); gtid_slave_pos is " + queryAsRoot("SELECT @@gtid_slave_pos") + logTail());
        }
    }

    /** Runs statements as root on this server. */
    public void asRoot(String... statements) {
        try (Connection c = DriverManager.getConnection(rootUrl(port), "root", "");
             Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("on MariaDB at port " + port + ": " + e.getMessage() + logTail(), e);
        }
    }

    /** The first column of the first row of a query run as root on this server (null for SQL NULL). */
    public String queryAsRoot(String query) {
        try (Connection c = DriverManager.getConnection(rootUrl(port, 90_000), "root", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("on MariaDB at port " + port + ": " + e.getMessage() + logTail(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ stopping

    /** Sends SIGKILL to the server and waits until the process is gone. The folder stays until {@link #close()}. */
    public void kill() {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!waitFor(STOP_TIMEOUT)) {
            throw new IllegalStateException("MariaDB pid " + process.pid() + " did not die within " + STOP_TIMEOUT
                    + " of SIGKILL");
        }
    }

    /**
     * After {@link #kill()}: starts the server again on the same data folder and port, so InnoDB's
     * crash recovery runs and a test can check what survived.
     */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("MariaDB pid " + process.pid() + " is still running");
        }
        try {
            process = startServer(findBinary("mariadbd", "mysqld"), root, dataDir, socket, errorLog, port, serverOptions);
            awaitReady(process, port, dataDir, errorLog);
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart MariaDB in " + root, e);
        }
    }

    /**
     * Stops the server (SIGTERM, then SIGKILL after about 20 s) and deletes its folder. Does nothing on the
     * {@link #shared()} server, which a shutdown hook stops.
     */
    @Override
    public void close() {
        if (isShared) {
            return;
        }
        stop();
    }

    private void stop() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: a clean InnoDB shutdown
            if (!waitFor(STOP_TIMEOUT)) {
                process.destroyForcibly();
                waitFor(STOP_TIMEOUT);
            }
        }
        deleteTree(root);
        if (socketDir != null) {
            deleteTree(socketDir);
        }
    }

    /** Waits for our own child to exit; the JDK reaps it, so it never lingers as a zombie. */
    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    @Override
    public String toString() {
        return "MariaDb[port=" + port + ", pid=" + process.pid() + ", dir=" + root + "]";
    }

    // ------------------------------------------------------------------------------------------------ starting

    private static MariaDb launch(boolean isShared, List<String> serverOptions) {
        Path mariadbd = findBinary("mariadbd", "mysqld");
        Path installDb = findBinary("mariadb-install-db", "mysql_install_db");
        if (mariadbd == null || installDb == null) {
            throw new IllegalStateException(
                    "MariaDB is not installed: run scripts/test (it installs mariadb-server)");
        }

        Path parent = Paths.get(System.getProperty("user.dir"), "target").toAbsolutePath().normalize();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + parent, e);
        }
        if (REAPED.compareAndSet(false, true)) {
            reapOrphans(parent);
        }

        Path root = parent.resolve(INSTANCE_PREFIX + randomHex(6));
        Path dataDir = root.resolve("data");
        Path errorLog = root.resolve("error.log");
        Path socketDir = null;
        Path socket = root.resolve("mysqld.sock");
        boolean ok = false;
        Process process = null;
        try {
            Files.createDirectories(dataDir);
            Files.writeString(root.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                socketDir = Files.createTempDirectory("mdb");
                socket = socketDir.resolve("mysqld.sock");
            }

            long started = System.nanoTime();
            install(installDb, root, dataDir);

            IllegalStateException lastFailure = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int port = freePort();
                process = startServer(mariadbd, root, dataDir, socket, errorLog, port, serverOptions);
                try {
                    awaitReady(process, port, dataDir, errorLog);
                } catch (PortTakenException e) {
                    // Someone grabbed the port between our probe and the server's bind: try another one.
                    lastFailure = e;
                    stopQuietly(process);
                    process = null;
                    continue;
                }
                bootstrap(port, errorLog);
                MariaDb db = new MariaDb(root, dataDir, socket, socketDir, errorLog, port, process, isShared, serverOptions);
                System.err.printf("[MariaDb] %s started on port %d (pid %d) in %d ms: %s%n",
                        isShared ? "shared server" : "server", port, process.pid(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), root);
                ok = true;
                return db;
            }
            throw new IllegalStateException("MariaDB could not bind a free port in " + START_ATTEMPTS
                    + " attempts", lastFailure);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare MariaDB in " + root, e);
        } finally {
            if (!ok) {
                if (process != null) {
                    stopQuietly(process);
                }
                deleteTree(root);
                if (socketDir != null) {
                    deleteTree(socketDir);
                }
            }
        }
    }

    private static void install(Path installDb, Path root, Path dataDir) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                installDb.toString(),
                "--no-defaults",
                "--datadir=" + dataDir,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve"));
        if (isRoot()) {
            command.add("--user=root");
        }
        Path log = root.resolve("install.log");
        Process install = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished;
        try {
            finished = install.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            install.destroyForcibly();
            throw new IllegalStateException("interrupted while running mariadb-install-db", e);
        }
        if (!finished) {
            install.destroyForcibly();
            throw new IllegalStateException("mariadb-install-db did not finish within " + INSTALL_TIMEOUT
                    + tail(log, 30));
        }
        if (install.exitValue() != 0) {
            throw new IllegalStateException("mariadb-install-db failed with exit code " + install.exitValue()
                    + tail(log, 30));
        }
    }

    private static Process startServer(Path mariadbd, Path root, Path dataDir, Path socket, Path errorLog, int port,
                                       List<String> serverOptions) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                mariadbd.toString(),
                "--no-defaults",
                "--datadir=" + dataDir,
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + socket,
                "--pid-file=" + root.resolve("mysqld.pid"),
                "--log-error=" + errorLog,
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=64M",
                "--innodb-flush-log-at-trx-commit=1",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_bin",
                // No time zone tables are loaded, so named zones ('UTC') are unknown: use an offset.
                "--default-time-zone=+00:00",
                "--max-connections=500"));
        command.addAll(serverOptions);
        if (isRoot()) {
            command.add(2, "--user=root"); // after --no-defaults, which has to be the first option
        }
        // Discard the console: everything useful goes to error.log, and a pipe nobody reads could block the server.
        return new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("console.log").toFile())
                .start();
    }

    private static void awaitReady(Process process, int port, Path dataDir, Path errorLog) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = tail(errorLog, 40);
                if (log.contains("Address already in use") || log.contains("Do you already have another server")) {
                    throw new PortTakenException("port " + port + " was taken" + log);
                }
                throw new IllegalStateException("MariaDB exited with code " + process.exitValue()
                        + " while starting on port " + port + log);
            }
            if (portOpen(port)) {
                try (Connection c = DriverManager.getConnection(rootUrl(port), "root", "");
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT @@datadir")) {
                    rs.next();
                    String datadir = rs.getString(1);
                    if (!samePath(datadir, dataDir)) {
                        throw new PortTakenException("port " + port + " answers for another server (datadir "
                                + datadir + ")");
                    }
                    return;
                } catch (SQLException e) {
                    last = e;
                }
            }
            sleep(100);
        }
        IllegalStateException timeout = new IllegalStateException("MariaDB did not accept connections on port "
                + port + " within " + START_TIMEOUT + tail(errorLog, 40));
        if (last != null) {
            timeout.addSuppressed(last);
        }
        throw timeout;
    }

    /** As root (no password, only from 127.0.0.1 on this private server), creates the test user. */
    private static void bootstrap(int port, Path errorLog) {
        try (Connection c = DriverManager.getConnection(rootUrl(port), "root", "");
             Statement s = c.createStatement()) {
            // Kept out of the binary log (a primary's): a replica creates its own user, and would stop on this one.
            s.execute("SET SESSION sql_log_bin = 0");
            s.execute("CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%' WITH GRANT OPTION");
            s.execute("FLUSH PRIVILEGES");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the '" + USER + "' user on MariaDB: "
                    + e.getMessage() + tail(errorLog, 40), e);
        }
    }

    private static String rootUrl(int port) {
        return rootUrl(port, 10_000);
    }

    private static String rootUrl(int port, int socketTimeoutMillis) {
        return "jdbc:mysql://127.0.0.1:" + port + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true"
                + "&connectTimeout=2000&socketTimeout=" + socketTimeoutMillis;
    }

    // ------------------------------------------------------------------------------------------------ orphans

    /**
     * Kills servers and deletes folders that a JVM left in {@code parent} when it died without running its shutdown
     * hooks (SIGKILL, a fork timeout). Only touches instances whose owner JVM is gone, so parallel JVMs are safe.
     */
    private static void reapOrphans(Path parent) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, INSTANCE_PREFIX + "*")) {
            for (Path dir : dirs) {
                Path ownerFile = dir.resolve(OWNER_FILE);
                if (!Files.isRegularFile(ownerFile)) {
                    continue;
                }
                Optional<Long> owner = readPid(ownerFile);
                if (owner.isEmpty() || isAlive(owner.get())) {
                    continue;
                }
                readPid(dir.resolve("mysqld.pid")).flatMap(ProcessHandle::of).ifPresent(server -> {
                    if (isOurServer(server, dir)) {
                        server.destroyForcibly();
                        awaitGoneOrZombie(server.pid(), Duration.ofSeconds(10));
                    }
                });
                System.err.println("[MariaDb] removing a leftover instance " + dir);
                deleteTree(dir);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[MariaDb] could not reap leftover instances in " + parent + ": " + e);
        }
    }

    private static boolean isOurServer(ProcessHandle server, Path dir) {
        if (!server.isAlive() || isZombie(server.pid())) {
            return false;
        }
        ProcessHandle.Info info = server.info();
        boolean isMariadbd = info.command().map(c -> c.endsWith("mariadbd") || c.endsWith("mysqld")).orElse(false);
        boolean ownsDir = info.arguments()
                .map(args -> Stream.of(args).anyMatch(a -> a.equals("--datadir=" + dir.resolve("data"))))
                .orElse(true);
        return isMariadbd && ownsDir;
    }

    /** A process that is not our child cannot be waited for; once killed it may stay a zombie (PID 1 never reaps). */
    private static void awaitGoneOrZombie(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && isAlive(pid) && !isZombie(pid)) {
            sleep(100);
        }
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !isZombie(pid);
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Path findBinary(String... names) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"));
        for (String name : names) {
            for (String dir : dirs) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Paths.get(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean samePath(String reported, Path expected) {
        if (reported == null) {
            return false;
        }
        try {
            return Paths.get(reported).toRealPath().equals(expected.toRealPath());
        } catch (IOException e) {
            return Paths.get(reported).normalize().equals(expected.normalize());
        }
    }

    private static void stopQuietly(Process process) {
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String logTail() {
        return tail(errorLog, 20);
    }

    /** The last lines of a log, formatted to be appended to an exception message. */
    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            return "\n--- last lines of " + log + " ---\n" + String.join("\n", last);
        } catch (IOException | UncheckedIOException e) {
            return "\n(no log at " + log + ")";
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a file may vanish or be busy; what stays is reaped or cleaned with target/
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("[MariaDb] could not delete " + dir + ": " + e);
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for MariaDB", e);
        }
    }

    /** The server could not bind its port (a race with another process): worth another try on a new port. */
    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
