package dev.ladder.cluster;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drill the failover exists for: kill -9 the database primary while clients write, run
 * `scripts/cluster failover`, and check that every write that was acknowledged (before, during
 * and after) is there afterwards. Clients retry with the same Idempotency-Key, so a retry of a
 * write that did commit never stores it twice. Then `scripts/cluster up` restarts the old
 * primary, which must come back read-only: the cluster stays on the promoted standby.
 */
class PrimaryFailoverClusterIT {
    private static final int WRITERS = 3;
    private static final Duration PACE = Duration.ofMillis(50);

    @Test
    void killingThePrimaryThenFailingOverLosesNoAcknowledgedWrite() {
        Cluster.Status before = Cluster.status();
        Cluster.Host primary = Drills.one(before, "db_primary");
        Cluster.Host standby = Drills.one(before, "db_standby");
        HttpClient client = Drills.httpsClient(before);
        Api api = new Api(before.url(), client);
        String handle = uniqueHandle("failover");
        String token = api.signUpAndLogIn(handle);

        long origin = System.nanoTime();
        Outcomes outcomes = new Outcomes("writes across the failover", origin);
        KeyedWrites writes = new KeyedWrites(client, before.url(), token, outcomes, Duration.ofSeconds(90));
        long killedAt;
        long failoverStarted;
        long failoverEnded;
        int acknowledgedBeforeKill;
        try (SteadyLoad load = SteadyLoad.start("writes", WRITERS, 20_000, Duration.ofMinutes(4), n -> {
            writes.write("failover drill write " + n);
            pause(PACE);
        })) {
            await("30 writes acknowledged before the kill").atMost(Duration.ofSeconds(60)).until(() -> writes.acknowledged().size() >= 30);
            acknowledgedBeforeKill = writes.acknowledged().size();
            killedAt = System.nanoTime();
            Drills.kill9(primary);
            await("a write failing after the kill").atMost(Duration.ofSeconds(30)).until(() -> outcomes.failed() > 0);

            failoverStarted = System.nanoTime();
            Drills.run("failover");
            failoverEnded = System.nanoTime();

            await("a write succeeding after the failover").atMost(Duration.ofSeconds(90))
                    .until(() -> outcomes.firstSuccessEndAfter(outcomes.firstFailureStart().orElseThrow()).isPresent());
            int acknowledgedAtRecovery = writes.acknowledged().size();
            await("30 more writes acknowledged on the new primary").atMost(Duration.ofSeconds(60))
                    .until(() -> writes.acknowledged().size() >= acknowledgedAtRecovery + 30);
            load.stop(Duration.ofMinutes(3));
        }

        List<KeyedWrites.Write> acknowledged = writes.acknowledged();
        List<String> missing = new ArrayList<>();
        for (KeyedWrites.Write write : acknowledged) {
            Reply stored = api.get("/api/posts/" + write.postId());
            if (stored.status() != 200 || !write.body().equals(stored.text("body"))) {
                missing.add(write.postId() + " (" + stored.status() + ")");
            }
        }
        Map<String, Integer> storedBodies = storedBodies(api, handle);
        List<String> duplicated = storedBodies.entrySet().stream().filter(entry -> entry.getValue() > 1).map(Map.Entry::getKey).toList();

        long firstFailure = outcomes.firstFailureStart().orElseThrow();
        long firstSuccessAfter = outcomes.firstSuccessEndAfter(firstFailure).orElseThrow();
        System.out.println(outcomes.summary());
        System.out.printf("[drill] failover: failed attempts by status %s; logical writes %d, acknowledged %d (%d before the kill),"
                        + " found afterwards %d, lost %d, stored twice %d, never acknowledged (gave up) %d, of which stored anyway %d%n",
                outcomes.failedByKind(), writes.all().size(), acknowledged.size(), acknowledgedBeforeKill,
                acknowledged.size() - missing.size(), missing.size(), duplicated.size(), writes.all().size() - acknowledged.size(),
                writes.all().stream().filter(write -> !write.acknowledged() && storedBodies.containsKey(write.body())).count());
        System.out.printf("[drill] failover timeline (s): kill -9 %s at %.2f, first failed write sent %.2f, failover ran %.2f-%.2f (%.1f s),"
                        + " first write acknowledged after the failure %.2f, last failure ended %.2f%n",
                primary.name(), outcomes.at(killedAt), outcomes.at(firstFailure), outcomes.at(failoverStarted), outcomes.at(failoverEnded),
                (failoverEnded - failoverStarted) / 1e9, outcomes.at(firstSuccessAfter), outcomes.at(outcomes.lastFailureEnd().orElseThrow()));
        System.out.printf("[drill] failover window: writes failed for %.1f s (first failure to first success after failover)%n",
                (firstSuccessAfter - firstFailure) / 1e9);

        assertThat(missing).as("acknowledged writes missing after the failover").isEmpty();
        assertThat(duplicated).as("writes stored twice (a retry with the same Idempotency-Key must not write again)").isEmpty();
        assertThat(acknowledged.size()).isGreaterThanOrEqualTo(60);

        Cluster.Status afterFailover = Cluster.status();
        assertThat(Drills.one(afterFailover, "db_primary").name()).isEqualTo(standby.name());
        assertThat(Drills.one(afterFailover, "db_standby").name()).isEqualTo(primary.name());

        // The old primary restarts through the ordinary `up`, and must come back fenced.
        Drills.up(primary.name(), Drills.one(before, "lb").name());
        Cluster.Status restored = Cluster.status();
        assertThat(Drills.one(restored, "db_primary").name()).isEqualTo(standby.name());
        Cluster.Host oldPrimary = restored.host(primary.name());
        assertThat(oldPrimary.up()).as(oldPrimary.name() + " running again").isTrue();
        assertThat(oldPrimary.db().readOnly()).as(oldPrimary.name() + " read_only after its restart").isTrue();
        assertThat(restored.host(standby.name()).db().readOnly()).as(standby.name() + " writable").isFalse();
        Reply afterRestart = api.post("/api/posts", json(Map.of("body", "after the old primary came back")), bearer(token));
        assertThat(afterRestart.status()).as(afterRestart.body()).isEqualTo(201);
        System.out.printf("[drill] failover: %s is primary, %s restarted read-only; its replication: %s%n", standby.name(), primary.name(),
                oldPrimary.db().replication());
    }

    private static Map<String, Integer> storedBodies(Api api, String handle) {
        Map<String, Integer> bodies = new HashMap<>();
        String cursor = null;
        do {
            Reply page = api.get("/api/users/" + handle + "/posts?limit=100" + (cursor == null ? "" : "&before=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            page.json().get("items").forEach(item -> bodies.merge(item.get("body").asText(), 1, Integer::sum));
            cursor = page.text("next");
        } while (cursor != null);
        return bodies;
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
