package dev.ladder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real, private Redis server for tests, started from Debian's {@code redis-server} (install it with
 * {@code ladder_apt_ensure redis-server redis-sentinel}; scripts/test does): its own free port on
 * 127.0.0.1, its own folder under target/, no persistence unless asked. The caller owns it and
 * closes it; {@link #kill()} is SIGKILL, for fault tests, and {@link #restart()} brings it back on
 * the same port.
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Path BINARY = Path.of("/usr/bin/redis-server");

    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private volatile Process process;

    private RedisServer(Path dir, int port, List<String> extraArgs) {
        this.dir = dir;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** A fresh server; extraArgs are redis-server options such as {@code --replicaof 127.0.0.1 6380}. */
    public static RedisServer start(String... extraArgs) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's redis-server (scripts/test does)");
        }
        try {
            Path dir = Files.createDirectories(Path.of("target")).toAbsolutePath().resolve("redis-" + Long.toHexString(System.nanoTime()));
            Files.createDirectories(dir);
            RedisServer server = new RedisServer(dir, freePort(), List.of(extraArgs));
            server.launch();
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("redis-shutdown").unstarted(server::stop));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** "127.0.0.1:port", as redis.address takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public HostAndPort hostAndPort() {
        return new HostAndPort("127.0.0.1", port);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** A plain connection for a test's own checks (close it). */
    public Jedis connect() {
        return new Jedis(hostAndPort(), DefaultJedisClientConfig.builder().socketTimeoutMillis(2000).build());
    }

    /** SIGKILL, waiting until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server pid " + process.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After {@link #kill()}: the same port and folder again. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("redis-server pid " + process.pid() + " is still running");
        }
        launch();
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void stop() {
        Process running = process;
        if (running != null && running.isAlive()) {
            kill();
        }
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                "--logfile", dir.resolve("redis.log").toString()));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + BINARY, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; see " + dir);
            }
            try (Jedis jedis = connect()) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting redis-server", e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not answer PING within " + START_TIMEOUT + "; see " + dir);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
