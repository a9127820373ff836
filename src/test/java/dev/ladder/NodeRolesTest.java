package dev.ladder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** node.roles decides what a node serves and runs; every node keeps its admin port. */
class NodeRolesTest {
    @TempDir
    Path data;

    @Test
    void aWorkerOnlyNodeOpensNoPublicPortButAnswersOnItsAdminPort() throws Exception {
        int publicPort;
        try (ServerSocket probe = new ServerSocket(0)) { // a free port, never a fixed one another test or cluster may hold
            publicPort = probe.getLocalPort();
        }
        try (TestApp worker = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_NODE_ROLES", "worker",
                "LADDER_HTTP_PORT", Integer.toString(publicPort)))) {
            assertThat(worker.running().apiPort()).isEqualTo(-1);
            try (HttpClient client = HttpClient.newHttpClient()) {
                // Nothing listens on the configured public port.
                assertThat(sendFails(client, URI.create("http://127.0.0.1:" + publicPort + "/api/posts"))).isTrue();
            }
            Api admin = new Api(worker.adminUri());
            assertThat(admin.get("/health/ready").status()).isEqualTo(200);
            assertThat(admin.get("/metrics").body()).contains("ladder_jobs_active{").contains("ladder_queue_depth{")
                    .contains("ladder_housekeeping_runs_total{");
        }
    }

    @Test
    void aWebOnlyNodeServesTheApiAndRunsNoWorkerAndNoHousekeeping() {
        try (TestApp web = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_NODE_ROLES", "web"))) {
            assertThat(new Api(web.apiUri()).get("/api/posts").status()).isEqualTo(200);
            String metrics = new Api(web.adminUri()).get("/metrics").body();
            assertThat(metrics).contains("ladder_queue_depth{").doesNotContain("ladder_jobs_active").doesNotContain("ladder_housekeeping");
        }
    }

    @Test
    void apiNodesInAClusterLeaveHousekeepingToWorkers() {
        for (String roles : new String[] {"read-api", "write-api"}) {
            try (TestApp api = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_NODE_ROLES", roles))) {
                assertThat(new Api(api.adminUri()).get("/metrics").body()).as(roles)
                        .doesNotContain("ladder_housekeeping").doesNotContain("ladder_jobs_active");
            }
        }
        try (TestApp both = TestApp.embedded(data)) {
            assertThat(new Api(both.adminUri()).get("/metrics").body())
                    .containsPattern("ladder_housekeeping_runs_total\\{[^}]*task=\"sessions\"")
                    .containsPattern("ladder_housekeeping_runs_total\\{[^}]*task=\"photos\"");
        }
    }

    private static boolean sendFails(HttpClient client, URI uri) throws InterruptedException {
        try {
            client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding());
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (java.io.IOException other) {
            return true;
        }
    }
}
