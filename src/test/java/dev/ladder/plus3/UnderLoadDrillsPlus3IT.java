package dev.ladder.plus3;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import org.junit.jupiter.api.Test;

/**
 * The users-plus-3 drills as an operator runs them, `scripts/drill replica-kill` and
 * `scripts/drill redis-kill`, in a shortened form (a 5 s fault, 2 s of load after the cluster is
 * whole again): the steady read/write mix through the balancer must lose no acknowledged write,
 * fail no read while a replica dies, and see no 5xx while the Redis primary dies. Named to run last
 * (alphabetical order): each restores what it killed, but the Redis primary moves.
 */
class UnderLoadDrillsPlus3IT {
    @Test
    void killingAReadReplicaFailsNoReadAndLosesNoWrite() {
        JsonNode result = run("replica-kill");
        assertThat(result.path("failedReads").asLong()).isZero();
        assertThat(Cluster.status().host(result.path("target").asText()).up()).isTrue();
    }

    @Test
    void killingTheRedisPrimaryAnswersNo5xxAndLosesNoWrite() {
        JsonNode result = run("redis-kill");
        assertThat(result.path("fiveXx").asLong()).isZero();
        assertThat(result.path("redisPrimaryPromotedAfterSeconds").asDouble()).isPositive();
    }

    private static JsonNode run(String drill) {
        Cluster.Result run = Drills.drillScript(drill, "--for", "5", "--settle", "2");
        System.out.print(run.output());
        assertThat(run.exitCode()).as(run.output()).isZero();
        JsonNode result = Drills.drillResult(run);
        assertThat(result.path("skipped").asBoolean()).as("users-plus-3 has the hosts this drill needs").isFalse();
        assertThat(result.path("requests").asLong()).isPositive();
        assertThat(result.path("writesAcknowledged").asLong()).isPositive();
        assertThat(result.path("writesLost").asLong()).isZero();
        assertThat(result.path("writesFound").asLong()).isEqualTo(result.path("writesAcknowledged").asLong());
        assertThat(result.path("targetsMet").asBoolean()).isTrue();
        return result;
    }
}
