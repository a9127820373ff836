package dev.ladder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.Api;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What the drills do to the running cluster: read `scripts/cluster status --json`, run the
 * other subcommands (up, failover, deploy), kill a host's process with SIGKILL, and talk to the
 * load balancer over TLS with a client that trusts the cluster's CA and nothing else.
 */
final class Drills {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPO = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

    private Drills() {
    }

    /** One host of `status --json`; readOnly is null except on a running database host. */
    record Host(String name, String group, Long pid, Map<String, Integer> ports, boolean up, Boolean readOnly, String replication) {
        int port(String name) {
            Integer port = ports.get(name);
            if (port == null) {
                throw new IllegalStateException("host " + this.name + " has no port " + name + ": " + ports);
            }
            return port;
        }
    }

    /** `scripts/cluster status --json`, parsed. */
    record Status(String stage, URI url, Path caCert, List<Host> hosts) {
        List<Host> group(String group) {
            return hosts.stream().filter(host -> host.group().equals(group)).toList();
        }

        Host one(String group) {
            List<Host> members = group(group);
            assertThat(members).as("hosts of group " + group).hasSize(1);
            return members.getFirst();
        }

        Host host(String name) {
            return hosts.stream().filter(host -> host.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no host " + name + " in " + hosts));
        }

        List<String> names(String group) {
            return group(group).stream().map(Host::name).toList();
        }
    }

    static Status status() {
        String out = cluster(false, "status", "--json");
        try {
            JsonNode root = JSON.readTree(out);
            List<Host> hosts = new ArrayList<>();
            for (JsonNode host : root.get("hosts")) {
                Map<String, Integer> ports = new java.util.TreeMap<>();
                host.path("ports").properties().forEach(port -> ports.put(port.getKey(), port.getValue().asInt()));
                JsonNode readOnly = host.path("db").path("readOnly");
                hosts.add(new Host(host.get("name").asText(), host.get("group").asText(),
                        host.path("pid").isNumber() ? host.get("pid").asLong() : null, ports, host.path("up").asBoolean(),
                        readOnly.isBoolean() ? readOnly.asBoolean() : null,
                        host.path("db").has("replication") ? host.path("db").get("replication").toString() : null));
            }
            return new Status(root.get("stage").asText(), URI.create(root.get("url").asText()),
                    Paths.get(root.get("caCert").asText()), List.copyOf(hosts));
        } catch (IOException e) {
            throw new UncheckedIOException("scripts/cluster status --json printed no JSON: " + out, e);
        }
    }

    /** The jar the app nodes run when a drill deployed another one than target/ladder.jar. */
    private static volatile Path deployedJar;

    /** Runs `scripts/cluster ARGS...`, its output shown in the test output; fails on a non-zero exit. */
    static void run(String... args) {
        cluster(true, args);
    }

    /**
     * `scripts/cluster up` (for onlyHosts, when given), keeping the jar the nodes run: after a drill
     * deployed another jar, an `up` with the default one would restart every node at once to put
     * target/ladder.jar back.
     */
    static void up(String... onlyHosts) {
        List<String> args = new ArrayList<>(List.of("up"));
        Path jar = deployedJar;
        if (jar != null) {
            args.addAll(List.of("-e", "app_jar_source=" + jar));
        }
        // The whole playbook takes minutes on a busy 2-core machine; a drill limits it to what it broke.
        if (onlyHosts.length > 0) {
            args.addAll(List.of("--limit", String.join(",", onlyHosts)));
        }
        run(args.toArray(String[]::new));
    }

    /** `scripts/cluster deploy JAR`, remembered so that later `up` runs keep it. */
    static void deploy(Path jar) {
        run("deploy", jar.toString());
        deployedJar = jar;
    }

    /**
     * A copy of target/ladder.jar that differs by one extra entry, so a deploy has something new
     * to roll out (the same jar again would change nothing and restart no node).
     */
    static Path newBuildOfTheJar() {
        Path original = REPO.resolve("target/ladder.jar");
        Path copy = REPO.resolve("target/ladder-redeploy-" + System.currentTimeMillis() + ".jar");
        try {
            Files.copy(original, copy);
            try (var jar = java.nio.file.FileSystems.newFileSystem(copy)) {
                Files.writeString(jar.getPath("META-INF", "ladder-redeploy.txt"), "built for the rolling deploy drill at " + java.time.Instant.now());
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a new build of " + original, e);
        }
    }

    private static String cluster(boolean echo, String... args) {
        List<String> command = new ArrayList<>();
        command.add(REPO.resolve("scripts/cluster").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(!echo);
        // The profile passes where the cluster lives; the environment may already say so.
        String dir = System.getProperty("cluster.dir", "");
        String portBase = System.getProperty("cluster.portBase", "");
        if (!dir.isBlank()) {
            builder.environment().put("CLUSTER_DIR", dir);
        }
        if (!portBase.isBlank()) {
            builder.environment().put("CLUSTER_PORT_BASE", portBase);
        }
        if (echo) {
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        long started = System.nanoTime();
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            StringBuilder out = new StringBuilder();
            try (InputStream stdout = process.getInputStream()) {
                byte[] buffer = new byte[8192];
                int read;
                while ((read = stdout.read(buffer)) >= 0) {
                    String chunk = new String(buffer, 0, read, StandardCharsets.UTF_8);
                    out.append(chunk);
                    if (echo) {
                        System.out.print(chunk);
                    }
                }
            }
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("scripts/cluster " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT);
            }
            if (echo) {
                System.out.printf("[drill] scripts/cluster %s: exit %d after %.1f s%n", String.join(" ", args), process.exitValue(),
                        (System.nanoTime() - started) / 1e9);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("scripts/cluster " + String.join(" ", args) + " failed (exit " + process.exitValue() + ")"
                        + (echo ? "" : ": " + out));
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no drain, no clean InnoDB shutdown. */
    static void kill9(Host host) {
        assertThat(host.pid()).as("pid of " + host.name()).isNotNull();
        ProcessHandle process = ProcessHandle.of(host.pid())
                .orElseThrow(() -> new IllegalStateException("no process " + host.pid() + " for " + host.name()));
        process.destroyForcibly();
        System.out.printf("[drill] kill -9 %s (pid %d)%n", host.name(), host.pid());
    }

    /** An HTTPS client that trusts the certificate authority the load balancer's certificate comes from. */
    static HttpClient httpsClient(Status status) {
        return HttpClient.newBuilder()
                .sslContext(sslContext(status.caCert()))
                // Covers the TLS handshake too: a cold JVM on a loaded 2-core machine can take seconds.
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** The API through the load balancer. */
    static Api api(Status status) {
        return new Api(status.url(), httpsClient(status));
    }

    /** The API of one app node, straight to its own plain-HTTP port (for the few checks that must bypass the balancer). */
    static Api direct(Host node) {
        return new Api(URI.create("http://127.0.0.1:" + node.port("http")));
    }

    static SSLContext sslContext(Path caCert) {
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("cluster-ca-" + n++, (X509Certificate) certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster's CA certificate " + caCert, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caCert + ": " + e.getMessage(), e);
        }
    }
}
