package dev.ladder.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
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

    /** One host of {@code status --json}. {@code pid} is null and {@code up} false when it does not run. */
    public record Host(String name, String group, Long pid, Map<String, Integer> ports, boolean up) {
        public int port(String portName) {
            Integer port = ports.get(portName);
            if (port == null) {
                throw new IllegalArgumentException(name + " has no port named " + portName + " (has " + ports.keySet() + ")");
            }
            return port;
        }
    }

    /** The whole of {@code status --json}; {@code url} is the load balancer's HTTPS URL. */
    public record Status(String stage, URI url, Path caCert, URI httpUrl, URI cdnUrl, URI statsUrl,
                         Path runtimeSocket, Path stateFile, String dbPrimary, List<Host> hosts) {
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
            Path output = Files.createTempFile("cluster-command", ".log");
            try {
                builder.redirectOutput(output.toFile());
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new IllegalStateException(command + " did not finish in " + timeout + ": "
                            + Files.readString(output, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
