package dev.ladder.cluster;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * `scripts/cluster deploy` replaces the jar on every app node, one at a time, each taken out of
 * the load balancer and drained first, while clients read and write: not one request fails.
 */
class RollingDeployClusterIT {
    @Test
    void aRollingDeployUnderMixedLoadFailsNoRequest() {
        Cluster.Status status = Cluster.status();
        HttpClient client = Drills.httpsClient(status);
        Api api = new Api(status.url(), client);
        String token = api.signUpAndLogIn(uniqueHandle("deploy"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            paths.add("/api/posts/" + api.post("/api/posts", json(Map.of("body", "deployed " + i)), bearer(token)).text("id"));
        }
        paths.add("/api/posts?limit=20");

        long origin = System.nanoTime();
        Outcomes reads = new Outcomes("reads during the rolling deploy", origin);
        Outcomes writeAttempts = new Outcomes("writes during the rolling deploy", origin);
        KeyedWrites writes = new KeyedWrites(client, status.url(), token, writeAttempts, Duration.ofSeconds(30));
        try (SteadyLoad readLoad = SteadyLoad.start("deploy-reads", 2, 50_000, Duration.ofMinutes(4), n -> {
                 reads.send(client, HttpRequest.newBuilder(status.url().resolve(paths.get(n % paths.size())))
                         .timeout(Duration.ofSeconds(15)).GET().build());
                 PrimaryFailoverClusterIT.pause(Duration.ofMillis(20));
             });
             SteadyLoad writeLoad = SteadyLoad.start("deploy-writes", 1, 10_000, Duration.ofMinutes(4), n -> {
                 writes.write("during the deploy " + n);
                 PrimaryFailoverClusterIT.pause(Duration.ofMillis(50));
             })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.sent() >= 50 && writeAttempts.sent() >= 10);
            Drills.deploy(Drills.newBuildOfTheJar());
            long afterDeploy = reads.sent();
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.sent() >= afterDeploy + 50);
            readLoad.stop(Duration.ofSeconds(30));
            writeLoad.stop(Duration.ofSeconds(60));
        }
        long found = writes.acknowledged().stream().filter(write -> api.get("/api/posts/" + write.postId()).status() == 200).count();
        System.out.println(reads.summary());
        System.out.println(writeAttempts.summary());
        System.out.printf("[drill] rolling deploy: failed reads %s, failed write attempts %s; writes acknowledged %d, found %d%n",
                reads.failedByKind(), writeAttempts.failedByKind(), writes.acknowledged().size(), found);

        assertThat(reads.failed()).as("failed reads " + reads.failedByKind()).isZero();
        assertThat(writeAttempts.failed()).as("failed write attempts " + writeAttempts.failedByKind()).isZero();
        assertThat(found).isEqualTo(writes.acknowledged().size());
    }
}
