package dev.ladder.plus3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import dev.ladder.testing.Api;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * The users-plus-3 topology as `scripts/cluster up users-plus-3` builds it: users-plus-2's hosts
 * plus a Redis primary and replica, three Sentinels that agree on the primary, two MariaDB read
 * replicas healthy behind the load balancer's db_read endpoint; reads and writes work through the
 * balancer; bringing the cluster up again changes nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Plus3TopologyIT {
    private static final Pattern RECAP = Pattern.compile(
            "^(\\S+)\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)", Pattern.MULTILINE);

    private static Cluster.Status status;

    @BeforeAll
    static void readStatus() {
        status = Cluster.status();
    }

    @Test
    @Order(1)
    void statusListsTheNewGroupsWithLiveProcessesAndTheirPorts() {
        // users-plus-4 is users-plus-3 plus the monitoring stack: these tests run against both.
        assertThat(status.stage()).isIn("users-plus-3", "users-plus-4");
        // users-plus-2's groups, exactly as they were.
        assertThat(status.names("lb")).hasSize(1);
        assertThat(status.names("read_api")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(status.names("write_api")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(status.names("db_primary")).containsExactly(status.dbPrimary());
        assertThat(status.names("db_standby")).hasSize(1);
        // What users-plus-3 adds.
        assertThat(status.names("redis_primary")).containsExactly(status.redisPrimary());
        assertThat(status.names("redis_replica")).hasSize(1);
        assertThat(status.names("sentinel")).hasSize(3);
        assertThat(status.names("db_replica")).hasSize(2);
        assertThat(status.sentinels()).hasSize(3);
        assertThat(status.hosts()).allSatisfy(host -> {
            assertThat(host.up()).as("%s is up", host.name()).isTrue();
            assertThat(host.pid()).as("%s has a pid", host.name()).isPositive();
        });
        assertThat(status.group("lb").getFirst().ports()).containsKeys("https", "http", "stats", "db", "db_read");
        assertThat(status.group("sentinel")).allSatisfy(host -> {
            assertThat(host.ports()).containsKey("sentinel");
            assertThat(host.sentinel()).as("%s names the primary", host.name()).containsEntry("primaryHost", status.redisPrimary());
        });
        assertThat(status.group("redis_primary").getFirst().redis()).containsEntry("role", "master");
        assertThat(status.group("redis_replica")).allSatisfy(host -> {
            assertThat(host.ports()).containsKey("redis");
            assertThat(host.redis()).containsEntry("role", "slave").containsEntry("link", "up");
        });
        assertThat(status.group("db_replica")).allSatisfy(host -> {
            assertThat(host.ports()).containsKeys("mysql", "check");
            assertThat(host.check()).as("%s's health check", host.name()).containsEntry("status", 200);
            assertThat(host.db().readOnly()).isTrue();
            assertThat(host.db().semiSyncReplica()).as("a read replica never acknowledges semi-sync").isEqualTo("OFF");
            assertThat(host.db().replication()).containsEntry("io", "Yes").containsEntry("sql", "Yes")
                    .containsEntry("source", "127.0.0.1:" + status.host(status.dbPrimary()).port("mysql"));
        });
        // Only the standby acknowledges semi-sync commits: the replicas must not count.
        assertThat(status.host(status.dbPrimary()).db().semiSyncClients()).isEqualTo(1);
        assertThat(Cluster.serverStates(status, "db_read"))
                .containsEntry("db3", "UP").containsEntry("db4", "UP")
                .containsEntry(status.dbPrimary(), "UP")
                .containsEntry(status.names("db_standby").getFirst(), "MAINT");
    }

    @Test
    @Order(2)
    void thePlaybookPassesSyntaxCheckOnBothInventories() {
        Cluster.Result syntax = Cluster.run(List.of("bash", "-c",
                "cd ansible && ANSIBLE_CONFIG=ansible.cfg ansible-playbook --syntax-check -i inventories/local " + status.stage() + ".yml failover.yml"
                        + " && ANSIBLE_CONFIG=ansible.cfg ansible-playbook --syntax-check -i inventories/example " + status.stage() + ".yml"),
                Duration.ofMinutes(2));

        assertThat(syntax.exitCode()).as(syntax.output()).isZero();
    }

    @Test
    @Order(3)
    void bringingTheClusterUpAgainChangesNothing() {
        long started = System.nanoTime();
        Cluster.Result up = Cluster.run(List.of(Cluster.repo().resolve("scripts/cluster").toString(), "up", status.stage()),
                Duration.ofMinutes(12));
        System.out.printf("[topology] second `scripts/cluster up %s`: exit %d after %.1f s%n", status.stage(), up.exitCode(),
                (System.nanoTime() - started) / 1e9);

        assertThat(up.exitCode()).as(up.output()).isZero();
        Matcher recap = RECAP.matcher(up.output().substring(up.output().lastIndexOf("PLAY RECAP")));
        Set<String> hosts = new HashSet<>();
        while (recap.find()) {
            hosts.add(recap.group(1));
            assertThat(Integer.parseInt(recap.group(3))).as("changed on %s:%n%s", recap.group(1), up.output()).isZero();
            assertThat(Integer.parseInt(recap.group(5))).as("failed on %s", recap.group(1)).isZero();
        }
        assertThat(hosts).containsAll(status.hosts().stream().map(Cluster.Host::name).toList());
    }

    @Test
    @Order(4)
    void writesThroughTheBalancerReachTheReplicasAndReadsThereComeFromReplicasOnly() throws Exception {
        Api api = Drills.api(status);
        String handle = "plus3_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        Api.Reply created = api.post("/api/users", "{\"handle\":\"" + handle + "\",\"email\":\"" + handle
                + "@example.com\",\"password\":\"correct horse battery\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        Set<Integer> servers = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            try (Connection read = Plus3.database(status, "db_read");
                 ResultSet row = read.createStatement().executeQuery("SELECT @@server_id, @@read_only")) {
                row.next();
                servers.add(row.getInt(1));
                assertThat(row.getBoolean(2)).as("a read replica is read-only").isTrue();
            }
        }
        assertThat(servers).as("server ids behind db_read").isSubsetOf(3, 4);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            try (Connection read = Plus3.database(status, "db_read");
                 PreparedStatement query = read.prepareStatement("SELECT COUNT(*) FROM users WHERE handle = ?")) {
                query.setString(1, handle);
                try (ResultSet row = query.executeQuery()) {
                    row.next();
                    assertThat(row.getInt(1)).as("the new user on a replica").isEqualTo(1);
                }
            }
        });
        try (Connection write = Plus3.database(status, "db");
             ResultSet row = write.createStatement().executeQuery("SELECT @@server_id, @@read_only")) {
            row.next();
            assertThat(row.getBoolean(2)).as("the db endpoint leads to the writable primary").isFalse();
        }
    }

    @Test
    @Order(5)
    void redisTakesWritesOnThePrimaryAndTheReplicaFollows() {
        String key = "plus3:topology:" + UUID.randomUUID();
        try (Jedis primary = Plus3.redis(status, status.redisPrimary());
             Jedis replica = Plus3.redis(status, status.names("redis_replica").getFirst())) {
            primary.set(key, "here");
            assertThat(primary.waitReplicas(1, 5_000)).as("replicas that acknowledged").isEqualTo(1);
            assertThat(replica.get(key)).isEqualTo("here");
            primary.del(key);
        }
    }
}
