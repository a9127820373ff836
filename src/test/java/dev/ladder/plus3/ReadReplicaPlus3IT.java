package dev.ladder.plus3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import dev.ladder.cluster.SteadyLoad;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The read endpoint (HAProxy's db_read over the MariaDB read replicas) under a replica's death
 * and a replica's lag: the endpoint keeps answering, the replica leaves rotation, and comes back
 * once it is healthy again. Reads are fresh connections, so every one of them asks HAProxy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadReplicaPlus3IT {
    private static final Duration OUT_OF_ROTATION = Duration.ofSeconds(30);

    @Test
    @Order(1)
    void aKilledReplicaLeavesTheReadEndpointWhichKeepsAnsweringAndItRejoinsAfterUp() throws Exception {
        Cluster.Status status = Cluster.status();
        Cluster.Host victim = status.host("db3");
        Reads reads = new Reads(status);
        long killed;
        long markedDownAt;
        try {
            try (SteadyLoad load = SteadyLoad.start("db_read", 3, 1_000_000, Duration.ofMinutes(3), n -> reads.readOnce())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> reads.byServer().getOrDefault(3, 0L) > 5 && reads.byServer().getOrDefault(4, 0L) > 5);
                killed = System.nanoTime();
                Drills.kill9(victim);
                await().atMost(OUT_OF_ROTATION).pollInterval(Duration.ofMillis(50))
                        .until(() -> "DOWN".equals(Cluster.serverStates(status, "db_read").get("db3")));
                markedDownAt = System.nanoTime();
                long servedBy4 = reads.byServer().getOrDefault(4, 0L);
                await().atMost(Duration.ofSeconds(30)).until(() -> reads.byServer().getOrDefault(4, 0L) > servedBy4 + 20);
                load.stop(Duration.ofSeconds(30));
            }
            System.out.printf("[drill] read replica db3 killed: HAProxy marked it DOWN after %.2f s; reads %d, failed %d %s"
                            + " (started %s s after the kill), by server %s%n",
                    (markedDownAt - killed) / 1e9, reads.ok.get() + reads.failed.get(), reads.failed.get(), reads.errors,
                    reads.failedStarts.stream().map(start -> "%.3f".formatted((start - killed) / 1e9)).toList(), reads.byServer());
            // A read the dying server had taken dies with it (the app's replica pool falls back); once
            // HAProxy's check has it down, no read reaches it: every failure started before that.
            assertThat(reads.failedStarts).as("failed reads through db_read (%s) started before db3 was marked down", reads.errors)
                    .allSatisfy(start -> assertThat(start).isLessThan(markedDownAt));
            assertThat(Cluster.status().host("db3").check()).containsEntry("status", 503).containsEntry("reason", "server unreachable");
        } finally {
            bringBack(status);
        }
    }

    private static void bringBack(Cluster.Status status) {
        long started = System.nanoTime();
        Drills.up("db3");
        await().atMost(OUT_OF_ROTATION).pollInterval(Duration.ofMillis(100))
                .until(() -> "UP".equals(Cluster.serverStates(status, "db_read").get("db3")));
        System.out.printf("[drill] `scripts/cluster up --limit db3` and db3 UP in db_read again after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        Reads after = new Reads(status);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            after.readOnce();
            return after.byServer().getOrDefault(3, 0L) > 0;
        });
        assertThat(Cluster.status().host("db3").check()).containsEntry("status", 200);
    }

    @Test
    @Order(2)
    void aReplicaWhoseApplierStopsOrThatLagsLeavesRotationAndReturnsWhenItCatchesUp() throws Exception {
        Cluster.Status status = Cluster.status();
        String primary = status.dbPrimary();

        // The applier stops: no lag can be known, the replica is out.
        sql(status, "db4", "STOP SLAVE SQL_THREAD");
        long stopped = System.nanoTime();
        double out;
        try {
            await().atMost(OUT_OF_ROTATION).pollInterval(Duration.ofMillis(50))
                    .until(() -> "DOWN".equals(Cluster.serverStates(status, "db_read").get("db4")));
            out = (System.nanoTime() - stopped) / 1e9;
            assertThat(Cluster.status().host("db4").check()).containsEntry("status", 503).containsEntry("reason", "replication stopped");
            assertThat(new Reads(status).serverOfOneRead()).as("reads go elsewhere").isNotEqualTo(4);
        } finally {
            sql(status, "db4", "START SLAVE SQL_THREAD");
        }
        long restarted = System.nanoTime();
        await().atMost(OUT_OF_ROTATION).pollInterval(Duration.ofMillis(50))
                .until(() -> "UP".equals(Cluster.serverStates(status, "db_read").get("db4")));
        double back = (System.nanoTime() - restarted) / 1e9;
        System.out.printf("[drill] db4 SQL thread stopped: out of db_read after %.2f s; started again: back after %.2f s%n", out, back);

        // Real lag: the replica applies each event 20 s late (MASTER_DELAY) while the primary writes.
        sql(status, primary, "CREATE DATABASE IF NOT EXISTS plus3_probe; "
                + "CREATE TABLE IF NOT EXISTS plus3_probe.beat (id INT PRIMARY KEY, at TIMESTAMP(6) NOT NULL)");
        sql(status, "db4", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 20; START SLAVE");
        try {
            long delayed = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                sql(status, primary, "REPLACE INTO plus3_probe.beat VALUES (1, NOW(6))");
                return "DOWN".equals(Cluster.serverStates(status, "db_read").get("db4"));
            });
            Map<String, Object> check = Cluster.status().host("db4").check();
            System.out.printf("[drill] db4 delayed by 20 s: out of db_read after %.2f s (check %s)%n", (System.nanoTime() - delayed) / 1e9, check);
            assertThat(check).containsEntry("status", 503).containsEntry("reason", "lagging");
        } finally {
            sql(status, "db4", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE");
        }
        long caughtUp = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> "UP".equals(Cluster.serverStates(status, "db_read").get("db4")));
        System.out.printf("[drill] db4 delay removed: back in db_read after %.2f s%n", (System.nanoTime() - caughtUp) / 1e9);
        sql(status, primary, "DROP DATABASE IF EXISTS plus3_probe");
    }

    private static void sql(Cluster.Status status, String host, String query) {
        Cluster.Result result = Cluster.sql(status, host, query);
        assertThat(result.exitCode()).as("%s on %s: %s", query, host, result.output()).isZero();
    }

    /** Reads through db_read, each on a fresh connection, counted by the server that answered. */
    private static final class Reads {
        final Cluster.Status status;
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Map<Integer, AtomicLong> servers = new ConcurrentHashMap<>();
        final Map<String, Long> errors = new ConcurrentHashMap<>();
        final java.util.Queue<Long> failedStarts = new java.util.concurrent.ConcurrentLinkedQueue<>();

        Reads(Cluster.Status status) {
            this.status = status;
        }

        void readOnce() {
            long start = System.nanoTime();
            try {
                servers.computeIfAbsent(serverOfOneRead(), id -> new AtomicLong()).incrementAndGet();
                ok.incrementAndGet();
            } catch (SQLException e) {
                failed.incrementAndGet();
                failedStarts.add(start);
                errors.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1L, Long::sum);
            }
        }

        int serverOfOneRead() throws SQLException {
            try (Connection read = Plus3.database(status, "db_read");
                 ResultSet row = read.createStatement().executeQuery("SELECT @@server_id")) {
                row.next();
                return row.getInt(1);
            }
        }

        Map<Integer, Long> byServer() {
            Map<Integer, Long> counts = new TreeMap<>();
            servers.forEach((id, count) -> counts.put(id, count.get()));
            return counts;
        }
    }
}
