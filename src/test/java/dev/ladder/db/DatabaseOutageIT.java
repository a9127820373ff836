package dev.ladder.db;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database dies under a running node (SIGKILL, no clean shutdown) and comes back: the node
 * says so on readiness, answers 503 problem+json meanwhile, recovers by itself, and every write
 * it acknowledged before the crash is still there.
 */
class DatabaseOutageIT {

    @Test
    void aKilledDatabaseMeans503AndNotReadyThenRecoveryWithNoAcknowledgedWriteLost(@TempDir Path dir) {
        try (MariaDb mariaDb = MariaDb.start()) {
            String database = mariaDb.createDatabase();
            try (TestApp app = TestApp.start("single-box", Map.of(
                    "LADDER_DATA_DIR", dir.toString(),
                    "LADDER_DATABASE_URL", mariaDb.jdbcUrl(database),
                    "LADDER_DATABASE_USER", mariaDb.user(),
                    "LADDER_DATABASE_PASSWORD", mariaDb.password(),
                    "LADDER_DATABASE_CONNECTION_TIMEOUT", "1s"))) {
                Api api = new Api(app.apiUri());
                Api admin = new Api(app.adminUri());
                String token = api.signUpAndLogIn("survivor");
                List<String> acknowledged = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    Api.Reply reply = api.post("/api/posts", json(Map.of("body", "durable " + i)), bearer(token));
                    assertThat(reply.status()).isEqualTo(201);
                    acknowledged.add(reply.text("id"));
                }

                mariaDb.kill();

                awaitStatus(() -> admin.get("/health/ready").status(), 503);
                assertThat(admin.get("/health/ready").text("database")).isEqualTo("down");
                assertThat(admin.get("/health/live").status()).isEqualTo(200);
                Api.Reply during = api.post("/api/posts", json(Map.of("body", "while down")), bearer(token));
                assertThat(during.status()).as(during.body()).isEqualTo(503);
                assertThat(during.header("Content-Type")).startsWith("application/problem+json");
                assertThat(during.text("type")).isEqualTo("/problems/unavailable");
                assertThat(during.header("Retry-After")).isNotNull();

                mariaDb.restart();

                awaitStatus(() -> admin.get("/health/ready").status(), 200);
                for (String id : acknowledged) {
                    assertThat(api.get("/api/posts/" + id).status()).as("post " + id).isEqualTo(200);
                }
                assertThat(api.post("/api/posts", json(Map.of("body", "after recovery")), bearer(token)).status()).isEqualTo(201);
            }
        }
    }

    private static void awaitStatus(IntSupplier status, int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status.getAsInt();
            if (last == expected) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("status stayed " + last + ", expected " + expected);
    }
}
