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
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * kill -9 one read-api node while clients read: the load balancer retries a read that the dead
 * node dropped on another node and stops sending it any after its health checks fail, so no GET
 * fails. `scripts/cluster up` restarts it and it serves reads again.
 */
class ReadNodeKilledClusterIT {
    @Test
    void killingAReadNodeFailsNoReadAndUpBringsItBack() {
        Cluster.Status status = Cluster.status();
        Cluster.Host victim = status.group("read_api").getFirst();
        HttpClient client = Drills.httpsClient(status);
        Api api = new Api(status.url(), client);
        String token = api.signUpAndLogIn(uniqueHandle("reads"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            paths.add("/api/posts/" + api.post("/api/posts", json(Map.of("body", "read me " + i)), bearer(token)).text("id"));
        }
        paths.add("/api/posts?limit=20");

        long origin = System.nanoTime();
        Outcomes reads = new Outcomes("reads while " + victim.name() + " is killed", origin);
        long killedAt;
        try (SteadyLoad load = SteadyLoad.start("reads", 4, 50_000, Duration.ofSeconds(90), n -> {
            reads.send(client, HttpRequest.newBuilder(status.url().resolve(paths.get(n % paths.size()))).timeout(Duration.ofSeconds(15)).GET().build());
            PrimaryFailoverClusterIT.pause(Duration.ofMillis(10));
        })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.sent() >= 200);
            killedAt = System.nanoTime();
            Drills.kill9(victim);
            // Keep reading through the balancer's detection (fall x inter) and beyond, while no read fails.
            try {
                await("reads keep succeeding after the kill").during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(14))
                        .until(() -> reads.failed() == 0);
            } catch (ConditionTimeoutException e) {
                // A GET failed: the counts below say which.
            }
            load.stop(Duration.ofSeconds(30));
        }
        // Informational: on a loaded machine a SIGKILLed JVM may answer for a moment while the kernel tears it down.
        long servedByVictimAfterKill = reads.attempts().stream()
                .filter(attempt -> attempt.startNanos() > killedAt && attempt.servedBy().equals(victim.name())).count();
        System.out.println(reads.summary());
        System.out.printf("[drill] read node killed: %s at %.2f s; failed GETs by status %s; served by %s after the kill: %d%n",
                victim.name(), reads.at(killedAt), reads.failedByKind(), victim.name(), servedByVictimAfterKill);

        assertThat(reads.failed()).as("failed GETs " + reads.failedByKind()).isZero();

        // The node and what it depends on (the playbook checks those are up before it starts app nodes).
        Drills.up(victim.name(), "s3", "sqs", "db", "lb", "cdn");
        assertThat(Cluster.status().host(victim.name()).up()).isTrue();
        await(victim.name() + " serving reads again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> victim.name().equals(api.get(paths.getFirst()).header("X-Served-By")));
        System.out.printf("[drill] read node killed: %s rejoined (seen in X-Served-By)%n", victim.name());
    }
}
