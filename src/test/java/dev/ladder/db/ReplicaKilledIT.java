package dev.ladder.db;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica dies (SIGKILL) under a steady read load: not one read fails, the primary serves them
 * all from then on, and the node counts the fallbacks.
 */
class ReplicaKilledIT {

    @Test
    void aKilledReplicaFailsNoReadTheyGoToThePrimary(@TempDir Path dir) throws Exception {
        try (MariaDb primary = MariaDb.startPrimary(); MariaDb replica = MariaDb.startReplicaOf(primary)) {
            String database = primary.createDatabase();
            try (TestApp app = TestApp.start("single-box", Map.of(
                    "LADDER_DATA_DIR", dir.toString(),
                    "LADDER_DATABASE_URL", primary.jdbcUrl(database),
                    "LADDER_DATABASE_USER", primary.user(),
                    "LADDER_DATABASE_PASSWORD", primary.password(),
                    "LADDER_DATABASE_REPLICA_URL", replica.jdbcUrl(database)))) {
                Api api = new Api(app.apiUri());
                String token = api.signUpAndLogIn("reader_of_record");
                for (int i = 0; i < 5; i++) {
                    assertThat(api.post("/api/posts", json(Map.of("body", "kept " + i)), bearer(token)).status()).isEqualTo(201);
                }
                replica.awaitCaughtUpWith(primary);

                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger reads = new AtomicInteger();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                List<String> paths = List.of("/api/posts", "/api/users/reader_of_record", "/api/users/reader_of_record/posts");
                ExecutorService load = Executors.newFixedThreadPool(2);
                try {
                    List<Future<?>> readers = List.of(load.submit(() -> read(api, paths, running, reads, failures)),
                            load.submit(() -> read(api, paths, running, reads, failures)));
                    awaitReads(reads, 30);
                    double servedByReplica = ReadReplicasIT.metric(app, "ladder_db_replica_reads_total");
                    assertThat(servedByReplica).isPositive();

                    replica.kill();
                    int atKill = reads.get();
                    awaitReads(reads, atKill + 150);
                    running.set(false);
                    for (Future<?> reader : readers) {
                        reader.get(60, TimeUnit.SECONDS);
                    }
                } finally {
                    running.set(false);
                    load.shutdownNow();
                }

                System.err.printf("[ReplicaKilledIT] %d reads, none failed; primary fallbacks: unavailable %.0f, error %.0f, breaker-open %.0f%n",
                        reads.get(), ReadReplicasIT.metric(app, "ladder_db_replica_fallbacks_total", "reason=\"unavailable\""),
                        ReadReplicasIT.metric(app, "ladder_db_replica_fallbacks_total", "reason=\"error\""),
                        ReadReplicasIT.metric(app, "ladder_db_replica_fallbacks_total", "reason=\"breaker-open\""));
                assertThat(failures).as("failed reads out of " + reads.get()).isEmpty();
                assertThat(ReadReplicasIT.metric(app, "ladder_db_replica_fallbacks_total")).isPositive();
                // Writes never needed the replica.
                assertThat(api.post("/api/posts", json(Map.of("body", "after the kill")), bearer(token)).status()).isEqualTo(201);
            }
        }
    }

    private static void read(Api api, List<String> paths, AtomicBoolean running, AtomicInteger reads, ConcurrentLinkedQueue<String> failures) {
        while (running.get()) {
            String path = paths.get(reads.get() % paths.size());
            try {
                Reply reply = api.get(path);
                if (reply.status() != 200) {
                    failures.add(path + " -> " + reply.status() + " " + reply.body());
                } else if (path.endsWith("/posts") && reply.json().get("items").size() < 5) {
                    failures.add(path + " -> only " + reply.json().get("items").size() + " posts");
                }
            } catch (RuntimeException e) {
                failures.add(path + " -> " + e);
            }
            reads.incrementAndGet();
        }
    }

    private static void awaitReads(AtomicInteger reads, int atLeast) {
        await().atMost(Duration.ofMinutes(2)).until(() -> reads.get() >= atLeast);
    }
}
