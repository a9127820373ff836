package dev.ladder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `scripts/drill` itself: its usage, a drill the stage lacks the hosts for, and one cheap drill
 * end to end — the database standby cut off the network (nftables) for a few seconds under load:
 * the cut must show (the primary's semi-sync goes OFF), no acknowledged write may be lost, the
 * standby must catch up afterwards and no rule may be left behind. The kill drills are the other
 * cluster ITs (ReadNodeKilled, PrimaryFailover); this checks the command, not them again.
 */
class DrillScriptClusterIT {

    @Test
    void helpListsEveryDrillAndWhatNeedsTheNextStage() {
        Cluster.Result help = drill("--help");
        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("node-kill", "primary-kill", "worker-kill", "partition", "replica-kill", "redis-kill", "needs users-plus-3");
        Cluster.Result unknown = drill("no-such-drill");
        assertThat(unknown.exitCode()).as(unknown.output()).isEqualTo(2);
    }

    @Test
    void aDrillWhoseHostsTheStageLacksIsSkippedWithAReason() {
        Cluster.Status status = Cluster.status();
        org.junit.jupiter.api.Assumptions.assumeTrue(status.group("db_replica").isEmpty(), "this stage has read replicas");
        Cluster.Result skipped = drill("replica-kill");
        assertThat(skipped.exitCode()).as(skipped.output()).isZero();
        assertThat(skipped.output()).contains("replica-kill skipped", "db_replica", "users-plus-3");
        assertThat(result(skipped).path("skipped").asBoolean()).isTrue();
    }

    @Test
    void partitioningTheStandbyLosesNoAcknowledgedWriteAndHealsCompletely() {
        Cluster.Status before = Cluster.status();
        Cluster.Result run = drill("partition", "--for", "6", "--settle", "2");
        System.out.print(run.output());
        assertThat(run.exitCode()).as(run.output()).isZero();
        JsonNode result = result(run);
        assertThat(result.path("target").asText()).isEqualTo(Drills.one(before, "db_standby").name());
        assertThat(result.path("partitionSeen").asBoolean()).as("the cut showed (semi-sync OFF on the primary)").isTrue();
        assertThat(result.path("requests").asLong()).isPositive();
        assertThat(result.path("writesAcknowledged").asLong()).isPositive();
        assertThat(result.path("writesLost").asLong()).isZero();
        assertThat(result.path("writesFound").asLong()).isEqualTo(result.path("writesAcknowledged").asLong());

        Cluster.Result tables = Cluster.run(List.of("nft", "list", "tables"), Duration.ofSeconds(30));
        assertThat(tables.output()).as("no partition left behind").doesNotContain(Drill.Partition.table(before));
        Cluster.Host primary = Cluster.status().host(before.dbPrimary());
        assertThat(primary.db().semiSyncPrimary()).as("semi-sync back ON once the standby caught up").isEqualTo("ON");
    }

    private static Cluster.Result drill(String... args) {
        return Drills.drillScript(args);
    }

    private static JsonNode result(Cluster.Result run) {
        return Drills.drillResult(run);
    }
}
