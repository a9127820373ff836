package dev.ladder.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The local cluster that {@code scripts/cluster up} brought up (the Maven profile of the stage
 * does it before the cluster ITs): its status as {@code scripts/cluster status --json} reports it,
 * and an HTTPS client that trusts the load balancer's CA.
 *
 * <p>The cluster's folder and ports come from the environment ({@code CLUSTER_DIR},
 * {@code CLUSTER_PORT_BASE}) or from the system properties {@code cluster.dir} and
 * {@code cluster.portBase}, which win.
 */
public final class Cluster {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Cluster() {
    }

    /**
     * One host of {@code status --json}. {@code pid} is null and {@code up} false when it does not run;
     * {@code db} is there for a running database host; users-plus-3 adds {@code check} for a read
     * replica (its health check's answer: {@code status} 200/503 or null, {@code reason}, {@code pid}),
     * {@code redis} for a running Redis server ({@code role} master/slave, {@code source},
     * {@code link}, {@code replicas}) and {@code sentinel} for a running Sentinel ({@code primaryHost}).
     */
    public record Host(String name, String group, Long pid, Map<String, Integer> ports, boolean up, Database db,
                       Map<String, Object> check, Map<String, Object> redis, Map<String, Object> sentinel) {
        public int port(String portName) {
            Integer port = ports.get(portName);
            if (port == null) {
                throw new IllegalArgumentException(name + " has no port named " + portName + " (has " + ports.keySet() + ")");
            }
            return port;
        }
    }

    /**
     * What status reports of a database server: read_only, semi-sync as primary (ON/OFF, connected
     * semi-sync replicas, commits acknowledged without one) and its replication, when it replicates.
     */
    public record Database(Boolean readOnly, String semiSyncPrimary, Integer semiSyncClients, Long semiSyncAsyncCommits,
                           String semiSyncReplica, Map<String, Object> replication) {
    }

    /**
     * The whole of {@code status --json}; {@code url} is the load balancer's HTTPS URL. users-plus-3
     * adds {@code redisPrimary} (the Redis server the Sentinels name primary now), {@code redisMasterName}
     * and {@code sentinels} ("host:port").
     */
    public record Status(String stage, URI url, Path caCert, URI httpUrl, URI cdnUrl, URI statsUrl,
                         Path runtimeSocket, Path stateFile, String dbPrimary, Path dir, List<Host> hosts,
                         String redisPrimary, String redisMasterName, List<String> sentinels) {
        public List<Host> group(String group) {
            return hosts.stream().filter(host -> host.group().equals(group)).toList();
        }

        public Host host(String name) {
            return hosts.stream().filter(host -> host.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no host " + name + " in " + hosts));
        }

        public List<String> names(String group) {
            return group(group).stream().map(Host::name).toList();
        }

        /** A secret the cluster generated (CLUSTER_DIR/&lt;stage&gt;/secrets/NAME: db-app, db-replication, redis). */
        public String secret(String name) {
            try {
                return Files.readString(dir.resolve("secrets").resolve(name), StandardCharsets.UTF_8).strip().split("\\s+")[0];
            } catch (IOException e) {
                throw new IllegalStateException("no secret " + name + " in " + dir, e);
            }
        }

        /** A JDBC URL to one of the load balancer's database endpoints ({@code db}: the primary, {@code db_read}: the replicas). */
        public String jdbcUrl(String lbPort) {
            Host lb = group("lb").getFirst();
            return "jdbc:mysql://127.0.0.1:" + lb.port(lbPort) + "/ladder?sslMode=DISABLED&characterEncoding=UTF-8"
                    + "&connectionTimeZone=UTC&connectTimeout=2000&socketTimeout=10000";
        }
    }

    /** Sends one command to HAProxy's runtime API (the unix socket {@code runtimeSocket}) and returns its answer. */
    public static String haproxy(Status status, String command) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(status.runtimeSocket()))) {
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("HAProxy's runtime API at " + status.runtimeSocket() + " did not answer " + command, e);
        }
    }

    /**
     * The operational state of each server of a HAProxy backend ({@code show servers state}):
     * name → "UP", "DOWN" or "MAINT" (maintenance, set or inherited through {@code track}).
     */
    public static Map<String, String> serverStates(Status status, String backend) {
        Map<String, String> states = new LinkedHashMap<>();
        for (String line : haproxy(status, "show servers state " + backend).split("\n")) {
            String[] fields = line.trim().split("\\s+");
            // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...
            if (fields.length < 7 || line.startsWith("#") || !fields[1].equals(backend)) {
                continue;
            }
            int admin = Integer.parseInt(fields[6]);
            String state = (admin & 0x3f) != 0 ? "MAINT" : fields[5].equals("2") ? "UP" : "DOWN";
            states.put(fields[3], state);
        }
        return states;
    }

    /** Runs SQL as root on a database host's own socket (the {@code mariadb} client, tab-separated rows). */
    public static Result sql(Status status, String host, String query) {
        return run(List.of("mariadb", "--socket=" + status.dir().resolve(host).resolve("mariadbd.sock"), "-u", "root",
                "-N", "-B", "-e", query), Duration.ofSeconds(30));
    }

    /** The repository's root (Maven runs tests there). */
    public static Path repo() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }

    /** Runs {@code scripts/cluster status --json} and reads its answer. */
    public static Status status() {
        Result result = run(List.of(repo().resolve("scripts/cluster").toString(), "status", "--json"), Duration.ofSeconds(30));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("scripts/cluster status --json failed (" + result.exitCode() + "): " + result.output());
        }
        try {
            return JSON.readValue(result.output(), Status.class);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable status JSON: " + result.output(), e);
        }
    }

    /** TLS that trusts exactly the given CA (PEM) — the cluster's {@code caCert}. */
    public static SSLContext sslContext(Path caCert) {
        Objects.requireNonNull(caCert, "caCert");
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + index++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caCert, e);
        }
    }

    /** An HTTP client that trusts the cluster's CA and does not follow redirects. */
    public static HttpClient httpClient(Status status) {
        return HttpClient.newBuilder()
                .sslContext(sslContext(status.caCert()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Exit code and combined stdout/stderr of a finished command. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Runs a command from the repository's root with the cluster's environment (system
     * properties {@code cluster.dir} / {@code cluster.portBase} become {@code CLUSTER_DIR} /
     * {@code CLUSTER_PORT_BASE}); kills it after the timeout.
     */
    public static Result run(List<String> command, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command))
                .directory(repo().toFile())
                .redirectErrorStream(true);
        String dir = System.getProperty("cluster.dir");
        if (dir != null && !dir.isBlank()) {
            builder.environment().put("CLUSTER_DIR", dir);
        }
        String portBase = System.getProperty("cluster.portBase");
        if (portBase != null && !portBase.isBlank()) {
            builder.environment().put("CLUSTER_PORT_BASE", portBase);
        }
        builder.environment().put("ANSIBLE_FORCE_COLOR", "0");
        try {
            Commands.Run run = Commands.run(builder, timeout);
            return new Result(run.exitCode(), run.output());
        } catch (AssertionError e) {
            // The timeout: an IllegalStateException, as the drills expect of a command that gave up.
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot run " + command, e);
        }
    }
}
