package dev.ladder.idempotency;

import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.photos.SyntheticPhoto;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Idempotency-Key through a database crash, on a private MariaDB that the test SIGKILLs. A request
 * is held at a chosen point by a table lock another connection takes (LOCK TABLES ... WRITE): its
 * claim is committed, its next statement waits, and the database dies right there. After the
 * restart, the retry with the same key must either replay the committed answer or write once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyCrashIT {
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(3);

    private MariaDb mariaDb;
    private String database;
    private TestApp app;
    private Api api;

    @BeforeAll
    void start() throws Exception {
        mariaDb = MariaDb.start(); // private: this test kills it
        database = mariaDb.createDatabase();
        app = TestApp.start("single-box", Map.of(
                "LADDER_DATA_DIR", Files.createTempDirectory("ladder-idempotency-crash").toString(),
                "LADDER_DATABASE_URL", mariaDb.jdbcUrl(database),
                "LADDER_DATABASE_USER", mariaDb.user(),
                "LADDER_DATABASE_PASSWORD", mariaDb.password(),
                "LADDER_IDEMPOTENCY_CLAIM_TIMEOUT", CLAIM_TIMEOUT.toSeconds() + "s"));
        api = new Api(app.apiUri());
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (mariaDb != null) {
            mariaDb.close();
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(mariaDb.jdbcUrl(database), mariaDb.user(), mariaDb.password());
    }

    private String keyState(String key) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("SELECT state FROM idempotency_keys WHERE idem_key = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Whether one of the app's statements is waiting on the table lock (it starts with statementStart). */
    private boolean waiting(String statementStart) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT INFO FROM information_schema.PROCESSLIST WHERE INFO IS NOT NULL")) {
            while (rs.next()) {
                if (rs.getString(1).stripLeading().toUpperCase().startsWith(statementStart)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A connection holding LOCK TABLES table WRITE: the app's statements on that table wait. */
    private Connection lock(String table) throws SQLException {
        Connection locker = connect();
        try (Statement s = locker.createStatement()) {
            s.execute("LOCK TABLES " + table + " WRITE");
        }
        return locker;
    }

    /** Kills the database while a request waits at the lock, then starts it again; returns what the request got. */
    private Reply crashWhileWaiting(CompletableFuture<Reply> inFlight, Connection locker) {
        mariaDb.kill();
        try {
            locker.close(); // its server is gone: this only frees the client side
        } catch (SQLException expected) {
            // nothing to close on a dead server
        }
        Reply first;
        try {
            first = inFlight.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            first = null; // the connection broke: the client cannot tell what happened, as after a real crash
        }
        mariaDb.restart();
        return first;
    }

    /** Retries until the answer is not "try again later" (409 in progress, 503 while the pool reconnects). */
    private Reply retryUntilAnswered(java.util.function.Supplier<Reply> send, List<Integer> seen) {
        Reply[] last = new Reply[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            Reply reply = send.get();
            seen.add(reply.status());
            last[0] = reply;
            return reply.status() != 409 && reply.status() != 503;
        });
        return last[0];
    }

    /** "409 x 10, 201 x 1": statuses in the order they first appeared, with counts. */
    private static String summary(List<Integer> statuses) {
        Map<Integer, Long> counts = new java.util.LinkedHashMap<>();
        statuses.forEach(status -> counts.merge(status, 1L, Long::sum));
        return counts.entrySet().stream().map(e -> e.getKey() + " x " + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
    }

    @Test
    void aDatabaseKilledBetweenClaimAndWriteLeavesTheKeyToARetryThatWritesOnce() throws Exception {
        String handle = uniqueHandle("crashed");
        String token = api.signUpAndLogIn(handle);
        String key = UUID.randomUUID().toString();
        String body = json(Map.of("body", "written exactly once"));
        java.util.function.Supplier<Reply> send = () -> api.post("/api/posts", body, "Authorization", "Bearer " + token, "Idempotency-Key", key);

        Connection locker = lock("posts");
        CompletableFuture<Reply> inFlight = CompletableFuture.supplyAsync(send);
        // The claim is committed; the post's INSERT waits on the lock: the request is between claim and write.
        await().atMost(Duration.ofSeconds(30)).until(() -> "pending".equals(keyState(key)) && waiting("INSERT INTO POSTS"));
        Reply first = crashWhileWaiting(inFlight, locker);
        assertThat(first == null || first.status() >= 500).as("the interrupted request did not succeed: %s", first).isTrue();
        assertThat(keyState(key)).as("the claim outlived the crash").isEqualTo("pending");

        List<Integer> seen = new ArrayList<>();
        long restarted = System.nanoTime();
        Reply retried = retryUntilAnswered(send, seen);
        System.out.printf("IdempotencyCrashIT: killed between claim and write: interrupted request %s; retries after the restart %s;"
                        + " the write ran %d ms after the restart (claimTimeout %d s)%n", first == null ? "no answer" : first.status(),
                summary(seen), (System.nanoTime() - restarted) / 1_000_000, CLAIM_TIMEOUT.toSeconds());

        assertThat(retried.status()).as("statuses seen %s", seen).isEqualTo(201);
        assertThat(retried.header("Idempotent-Replayed")).isNull();
        assertThat(seen).as("until the claim timed out: in progress (or unavailable)").allMatch(s -> s == 201 || s == 409 || s == 503);
        Reply replay = send.get();
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.text("id")).isEqualTo(retried.text("id"));
        assertThat(api.get("/api/users/" + handle + "/posts?limit=100").json().get("items").size()).isEqualTo(1);
    }

    @Test
    void aDatabaseKilledAfterTheWriteCommittedLeavesTheAnswerForTheRetry() throws Exception {
        String handle = uniqueHandle("committed");
        String token = api.signUpAndLogIn(handle);
        String key = UUID.randomUUID().toString();
        byte[] photo = SyntheticPhoto.jpeg(64, 48, 11);
        java.util.function.Supplier<Reply> send = () -> api.sendBytes("POST", "/api/photos", photo, "image/jpeg",
                "Authorization", "Bearer " + token, "Idempotency-Key", key);

        Connection locker = lock("jobs");
        CompletableFuture<Reply> inFlight = CompletableFuture.supplyAsync(send);
        // The photo row and the answer have committed together; queueing its thumbnail waits on the lock.
        await().atMost(Duration.ofSeconds(30)).until(() -> "done".equals(keyState(key)) && waiting("INSERT INTO JOBS"));
        Reply first = crashWhileWaiting(inFlight, locker);
        // The client saw a failure (or nothing) although the write committed: exactly the case a retry must not repeat.
        assertThat(first == null || first.status() >= 500).as("the interrupted request did not succeed: %s", first).isTrue();

        List<Integer> seen = new ArrayList<>();
        Reply retried = retryUntilAnswered(send, seen);
        System.out.printf("IdempotencyCrashIT: killed after the write committed: interrupted request %s; retries after the restart %s%n",
                first == null ? "no answer" : first.status(), summary(seen));

        assertThat(retried.status()).as("statuses seen %s", seen).isEqualTo(202);
        assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(api.get("/api/users/" + handle + "/photos", "Authorization", "Bearer " + token).json().get("items").size())
                .as("one photo, not two").isEqualTo(1);
        assertThat(retried.text("id")).isEqualTo(
                api.get("/api/users/" + handle + "/photos", "Authorization", "Bearer " + token).json().get("items").get(0).get("id").asText());
    }
}
