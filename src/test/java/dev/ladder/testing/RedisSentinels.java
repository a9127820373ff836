package dev.ladder.testing;

import dev.ladder.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A private Redis with failover, as the users-plus-3 cluster runs it: a primary, one replica and
 * three Sentinels (master name {@value #MASTER_NAME}, quorum 2), all from Debian's redis-server
 * (a Sentinel is {@code redis-server <generated sentinel.conf> --sentinel}), on free ports, each
 * in its own folder under target/. Sentinels declare a primary down after {@link #DOWN_AFTER}, so
 * a kill costs a few seconds of failover. {@link #start()} returns once every Sentinel knows the
 * replica and the other two Sentinels (before that a failover could not happen). Close stops all
 * of it by pid.
 */
public final class RedisSentinels implements AutoCloseable {
    public static final String MASTER_NAME = "ladder";
    public static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Path BINARY = Path.of("/usr/bin/redis-server");

    private final RedisServer primary;
    private final RedisServer replica;
    private final List<Sentinel> sentinels;

    private RedisSentinels(RedisServer primary, RedisServer replica, List<Sentinel> sentinels) {
        this.primary = primary;
        this.replica = replica;
        this.sentinels = sentinels;
    }

    public static RedisSentinels start() {
        return start(List.of());
    }

    /** Three free ports for Sentinels, to configure a node with before {@link #start(List)} starts them there. */
    public static List<Integer> reservePorts() {
        java.util.Set<Integer> ports = new java.util.LinkedHashSet<>();
        while (ports.size() < 3) {
            ports.add(uncheckedFreePort());
        }
        return List.copyOf(ports);
    }

    /** As {@link #start()}, with the Sentinels on these ports (from {@link #reservePorts()}; empty: free ports). */
    public static RedisSentinels start(List<Integer> sentinelPorts) {
        RedisServer primary = RedisServer.start();
        RedisServer replica = null;
        List<Sentinel> sentinels = new ArrayList<>();
        try {
            replica = RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(primary.port()));
            for (int i = 1; i <= 3; i++) {
                sentinels.add(Sentinel.start(i, primary.port(), sentinelPorts.isEmpty() ? uncheckedFreePort() : sentinelPorts.get(i - 1)));
            }
            RedisSentinels started = new RedisSentinels(primary, replica, sentinels);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("sentinels-shutdown").unstarted(started::close));
            started.awaitReady();
            return started;
        } catch (RuntimeException e) {
            sentinels.forEach(Sentinel::stop);
            if (replica != null) {
                replica.close();
            }
            primary.close();
            throw e;
        }
    }

    /** The server that was primary at start (it stays the same object when a failover demotes it). */
    public RedisServer primary() {
        return primary;
    }

    /** The server that was the replica at start. */
    public RedisServer replica() {
        return replica;
    }

    /** "127.0.0.1:port" of each Sentinel, as redis.sentinels takes them. */
    public List<String> sentinelAddresses() {
        return sentinels.stream().map(sentinel -> "127.0.0.1:" + sentinel.port).toList();
    }

    /** The environment overrides that point a node at these Sentinels. */
    public Map<String, String> overrides() {
        return Map.of("LADDER_REDIS_MODE", "sentinel",
                "LADDER_REDIS_SENTINELS", String.join(",", sentinelAddresses()),
                "LADDER_REDIS_MASTER_NAME", MASTER_NAME);
    }

    /** redis.* for these Sentinels, with the given timeouts and pool size. */
    public Config.Redis config(Duration connectTimeout, Duration socketTimeout, int maxPoolSize) {
        return new Config.Redis(Config.Redis.Mode.sentinel, "127.0.0.1:6379", sentinelAddresses(), MASTER_NAME, "",
                connectTimeout, socketTimeout, maxPoolSize);
    }

    /** The primary a live Sentinel names now. */
    public HostAndPort currentPrimary() {
        RuntimeException last = null;
        for (Sentinel sentinel : sentinels) {
            if (!sentinel.process.isAlive()) {
                continue;
            }
            try (Jedis jedis = sentinel.connect()) {
                List<String> address = jedis.sentinelGetMasterAddrByName(MASTER_NAME);
                return new HostAndPort(address.get(0), Integer.parseInt(address.get(1)));
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no Sentinel answered", last);
    }

    /** Waits until the Sentinels name a primary other than before, and it accepts writes. */
    public HostAndPort awaitFailoverFrom(HostAndPort before, Duration timeout) {
        return Awaitility.await("a Sentinel failover away from " + before).atMost(timeout).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> {
                    HostAndPort now = currentPrimary();
                    if (now.equals(before)) {
                        return null;
                    }
                    try (Jedis jedis = new Jedis(now, DefaultJedisClientConfig.builder().socketTimeoutMillis(1000).build())) {
                        return jedis.info("replication").contains("role:master") ? now : null;
                    }
                }, now -> now != null);
    }

    private void awaitReady() {
        Awaitility.await("replica in sync and three Sentinels aware of each other").atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                    try (Jedis jedis = replica.connect()) {
                        if (!jedis.info("replication").contains("master_link_status:up")) {
                            return false;
                        }
                    }
                    // The primary streams to the replica (and WAIT can count it) once it has the replica's first ACK.
                    try (Jedis jedis = primary.connect()) {
                        if (!jedis.info("replication").contains("state=online")) {
                            return false;
                        }
                    }
                    for (Sentinel sentinel : sentinels) {
                        try (Jedis jedis = sentinel.connect()) {
                            if (jedis.sentinelReplicas(MASTER_NAME).size() != 1 || jedis.sentinelSentinels(MASTER_NAME).size() != 2) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
    }

    @Override
    public void close() {
        sentinels.forEach(Sentinel::stop);
        replica.close();
        primary.close();
    }

    /** One Sentinel process: its generated config (which Sentinel rewrites as it learns) in its own folder. */
    private static final class Sentinel {
        private final int port;
        private final Path dir;
        private final Process process;

        private Sentinel(int port, Path dir, Process process) {
            this.port = port;
            this.dir = dir;
            this.process = process;
        }

        static Sentinel start(int number, int primaryPort, int port) {
            try {
                Path dir = Files.createDirectories(Path.of("target")).toAbsolutePath()
                        .resolve("sentinel-" + number + "-" + Long.toHexString(System.nanoTime()));
                Files.createDirectories(dir);
                Path conf = dir.resolve("sentinel.conf");
                Files.writeString(conf, String.join("\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "protected-mode no",
                        "daemonize no",
                        "dir " + dir,
                        "logfile " + dir.resolve("sentinel.log"),
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primaryPort + " 2",
                        "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER.toMillis(),
                        "sentinel failover-timeout " + MASTER_NAME + " 10000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1",
                        ""));
                Process process = new ProcessBuilder(BINARY.toString(), conf.toString(), "--sentinel").redirectErrorStream(true)
                        .redirectOutput(dir.resolve("stdout.log").toFile()).start();
                Sentinel sentinel = new Sentinel(port, dir, process);
                sentinel.awaitPing();
                return sentinel;
            } catch (IOException e) {
                throw new UncheckedIOException("could not start a Sentinel", e);
            }
        }

        Jedis connect() {
            return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder().socketTimeoutMillis(2000).build());
        }

        private void awaitPing() {
            try {
                Awaitility.await("Sentinel on port " + port + " (" + dir + ")").atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .failFast("Sentinel exited; see " + dir, () -> !process.isAlive())
                        .until(() -> {
                            try (Jedis jedis = connect()) {
                                return "PONG".equals(jedis.ping());
                            }
                        });
            } catch (RuntimeException e) {
                stop();
                throw e;
            }
        }

        void stop() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int uncheckedFreePort() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
