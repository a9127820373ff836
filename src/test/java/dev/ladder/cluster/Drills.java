package dev.ladder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.Api;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the drills do to the running cluster, on top of {@link Cluster}: run `scripts/cluster`
 * up (limited to what a drill broke), failover and deploy with their output in the test's
 * output; kill a host's process with SIGKILL; talk to the load balancer over TLS.
 */
public final class Drills {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(6);

    private Drills() {
    }

    /** The one host of a group (db_primary, db_standby, lb). */
    public static Cluster.Host one(Cluster.Status status, String group) {
        List<Cluster.Host> members = status.group(group);
        assertThat(members).as("hosts of group " + group).hasSize(1);
        return members.getFirst();
    }

    /** Runs `scripts/cluster ARGS...`; its output goes to the test output; fails on a non-zero exit. */
    public static void run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Cluster.repo().resolve("scripts/cluster").toString());
        command.addAll(List.of(args));
        long started = System.nanoTime();
        Cluster.Result result = Cluster.run(command, COMMAND_TIMEOUT);
        System.out.print(result.output());
        System.out.printf("[drill] scripts/cluster %s: exit %d after %.1f s%n", String.join(" ", args), result.exitCode(),
                (System.nanoTime() - started) / 1e9);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("scripts/cluster " + String.join(" ", args) + " failed (exit " + result.exitCode() + ")");
        }
    }

    /** `scripts/cluster up` (for onlyHosts, when given); it keeps the jar a deploy made the release. */
    public static void up(String... onlyHosts) {
        List<String> args = new ArrayList<>(List.of("up"));
        // The whole playbook takes minutes on a busy 2-core machine; a drill limits it to what it broke.
        if (onlyHosts.length > 0) {
            args.addAll(List.of("--limit", String.join(",", onlyHosts)));
        }
        run(args.toArray(String[]::new));
    }

    /** `scripts/cluster deploy JAR`: a rolling deploy; the jar becomes the cluster's release. */
    public static void deploy(Path jar) {
        run("deploy", jar.toString());
    }

    /**
     * A copy of target/ladder.jar that differs by one extra entry, so a deploy has something new
     * to roll out (the same jar again would change nothing and restart no node).
     */
    public static Path newBuildOfTheJar() {
        Path original = Cluster.repo().resolve("target/ladder.jar");
        Path copy = Cluster.repo().resolve("target/ladder-redeploy-" + System.currentTimeMillis() + ".jar");
        try {
            Files.copy(original, copy);
            try (FileSystem jar = FileSystems.newFileSystem(copy)) {
                Files.writeString(jar.getPath("META-INF", "ladder-redeploy.txt"), "built for the rolling deploy drill at " + Instant.now());
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a new build of " + original, e);
        }
    }

    /** SIGKILL: no shutdown hook, no drain, no clean InnoDB shutdown. */
    public static void kill9(Cluster.Host host) {
        assertThat(host.pid()).as("pid of " + host.name()).isNotNull();
        ProcessHandle process = ProcessHandle.of(host.pid())
                .orElseThrow(() -> new IllegalStateException("no process " + host.pid() + " for " + host.name()));
        process.destroyForcibly();
        System.out.printf("[drill] kill -9 %s (pid %d)%n", host.name(), host.pid());
    }

    /** An HTTPS client trusting only the cluster's CA, with time for a TLS handshake on a loaded machine. */
    public static HttpClient httpsClient(Cluster.Status status) {
        return HttpClient.newBuilder()
                .sslContext(Cluster.sslContext(status.caCert()))
                // Covers the TLS handshake too: a cold JVM on a loaded 2-core machine took over 5 s.
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** The API through the load balancer. */
    public static Api api(Cluster.Status status) {
        return new Api(status.url(), httpsClient(status));
    }

    /** The API of one app node, straight to its own plain-HTTP port (for the few checks that must bypass the balancer). */
    public static Api direct(Cluster.Host node) {
        return new Api(URI.create("http://127.0.0.1:" + node.port("http")));
    }

    /** `scripts/drill ARGS` from this JVM's class path (no Maven inside the Maven build). */
    public static Cluster.Result drillScript(String... args) {
        List<String> command = new ArrayList<>(List.of("env", "DRILL_CLASSPATH=" + System.getProperty("java.class.path"),
                Cluster.repo().resolve("scripts/drill").toString()));
        command.addAll(List.of(args));
        return Cluster.run(command, Duration.ofMinutes(5));
    }

    /** The last {@code [drill-result]} line a drill printed, as JSON. */
    public static JsonNode drillResult(Cluster.Result run) {
        String line = run.output().lines().filter(l -> l.startsWith("[drill-result] ")).reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError("no [drill-result] line in:\n" + run.output()));
        try {
            return new ObjectMapper().readTree(line.substring("[drill-result] ".length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
