package dev.ladder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every app node of the running cluster writes its JSON logs to CLUSTER_DIR/logs/&lt;host&gt;/ (app.log,
 * access.log), and scripts/synthetic passes through the load balancer, each of its steps then found
 * by its request id in those files; against an address where nothing answers it fails.
 */
class LogsAndSyntheticClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PASS = Pattern.compile("synthetic: PASS against \\S+ in \\d+ ms \\(run ([0-9a-f]+)\\)");

    @Test
    void everyAppNodeLogsToTheClustersLogFolder() throws IOException {
        Cluster.Status status = Cluster.status();
        Path logs = status.dir().getParent().resolve("logs");
        List<String> nodes = appNodes(status);
        assertThat(nodes).isNotEmpty();
        for (String node : nodes) {
            List<JsonNode> app = jsonLines(logs.resolve(node).resolve("app.log"));
            assertThat(app).as("%s's app.log", node)
                    .anySatisfy(line -> assertThat(line.path("formattedMessage").asText()).startsWith("Ladder node " + node + " "));
            assertThat(logs.resolve(node).resolve("access.log")).as("%s's access.log", node).exists();
        }
    }

    @Test
    void theSyntheticCheckPassesThroughTheLoadBalancerAndEachStepIsInTheLogs() {
        Cluster.Status status = Cluster.status();
        Cluster.Result result = Cluster.run(List.of("scripts/synthetic", "--url", status.url().toString(),
                "--ca-cert", status.caCert().toString(), "--timeout", "30s"), Duration.ofMinutes(3));
        assertThat(result.exitCode()).as(result.output()).isZero();
        List<String> lines = result.output().lines().filter(line -> line.startsWith("synthetic: ")).toList();
        assertThat(lines).as(result.output()).hasSize(6);
        Matcher pass = PASS.matcher(lines.getLast());
        assertThat(pass.matches()).as(lines.getLast()).isTrue();

        Path logs = status.dir().getParent().resolve("logs");
        for (String step : List.of("sign-up", "log-in", "post", "read", "delete")) {
            String requestId = "synthetic-" + pass.group(1) + "-" + step;
            await(requestId + " in a node's access.log").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> appNodes(status).stream().anyMatch(node -> contains(logs.resolve(node).resolve("access.log"), requestId)));
        }
    }

    @Test
    void theSyntheticCheckFailsWhereNothingAnswers() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Cluster.Result result = Cluster.run(List.of("scripts/synthetic", "--url", "http://127.0.0.1:" + closed, "--timeout", "5s"),
                Duration.ofMinutes(2));
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("synthetic: FAIL at sign-up");
    }

    private static List<String> appNodes(Cluster.Status status) {
        List<String> nodes = new ArrayList<>();
        for (String group : List.of("read_api", "write_api", "worker")) {
            nodes.addAll(status.names(group));
        }
        return nodes;
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }
}
