package dev.ladder.plus3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Sentinel's failover of the Redis primary in the local cluster: kill -9 the primary, a quorum
 * of Sentinels agrees it is down and promotes the replica within a bound; `scripts/cluster status`
 * follows (the promoted server is in redis_primary); `scripts/cluster up` brings the old primary
 * back as a replica of the new one.
 */
class RedisFailoverPlus3IT {
    /** Sentinel's down-after (1 s locally) plus the election and the promotion, on a loaded 2-core machine. */
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);

    @Test
    void theKilledPrimaryIsReplacedByItsReplicaAndComesBackAsAReplicaAfterUp() {
        Cluster.Status before = Cluster.status();
        String oldPrimary = before.redisPrimary();
        String replica = before.names("redis_replica").getFirst();
        assertThat(Plus3.primaryBySentinel(before)).as("what each Sentinel names primary").containsOnlyKeys(before.names("sentinel"))
                .allSatisfy((sentinel, primary) -> assertThat(primary).isEqualTo(oldPrimary));
        String key = "plus3:failover:" + UUID.randomUUID();
        try (Jedis primary = Plus3.redis(before, oldPrimary)) {
            primary.set(key, "written before the kill");
            assertThat(primary.waitReplicas(1, 5_000)).isEqualTo(1);
        }

        long killed = System.nanoTime();
        Drills.kill9(before.host(oldPrimary));
        await().atMost(FAILOVER_BOUND).pollInterval(Duration.ofMillis(100))
                .until(() -> Plus3.primaryBySentinel(before).values().stream().filter(replica::equals).count() >= 2);
        double promoted = (System.nanoTime() - killed) / 1e9;
        await().atMost(FAILOVER_BOUND).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Jedis newPrimary = Plus3.redis(before, replica)) {
                newPrimary.set(key + ":after", "written after the failover");
                return true;
            } catch (RuntimeException e) {
                return false; // still a read-only replica
            }
        });
        double writable = (System.nanoTime() - killed) / 1e9;
        System.out.printf("[drill] Redis primary %s killed: Sentinels named %s primary after %.2f s, it took writes after %.2f s%n",
                oldPrimary, replica, promoted, writable);

        Cluster.Status after = Cluster.status();
        assertThat(after.redisPrimary()).isEqualTo(replica);
        assertThat(after.names("redis_primary")).containsExactly(replica);
        assertThat(after.host(oldPrimary).group()).isEqualTo("redis_replica");
        assertThat(after.host(oldPrimary).up()).isFalse();
        try (Jedis newPrimary = Plus3.redis(after, replica)) {
            assertThat(newPrimary.get(key)).as("a write acknowledged by the replica before the kill").isEqualTo("written before the kill");
        }

        long started = System.nanoTime();
        Drills.up(oldPrimary);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            Cluster.Status back = Cluster.status();
            Cluster.Host old = back.host(oldPrimary);
            assertThat(old.up()).isTrue();
            assertThat(old.group()).isEqualTo("redis_replica");
            assertThat(old.redis()).containsEntry("role", "slave").containsEntry("link", "up")
                    .containsEntry("source", "127.0.0.1:" + back.host(replica).port("redis"));
            assertThat(back.redisPrimary()).isEqualTo(replica);
        });
        System.out.printf("[drill] `scripts/cluster up --limit %s`: it replicates from %s again after %.1f s%n",
                oldPrimary, replica, (System.nanoTime() - started) / 1e9);
        try (Jedis old = Plus3.redis(Cluster.status(), oldPrimary)) {
            assertThat(old.get(key + ":after")).as("the old primary has what the new one took").isEqualTo("written after the failover");
        }
        try (Jedis newPrimary = Plus3.redis(Cluster.status(), replica)) {
            newPrimary.del(key, key + ":after");
        }
    }
}
