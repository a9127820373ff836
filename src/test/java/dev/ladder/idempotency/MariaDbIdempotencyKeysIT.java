package dev.ladder.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.http.ApiException;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.MovableClock;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answer commits with the write, fenced by the claim, on a real MariaDB: a failure after the
 * commit cannot free the key, a dead holder's claim is taken over, and a holder that was only slow
 * cannot commit its write after the takeover. "The write" is a row in a table of the test's own.
 */
class MariaDbIdempotencyKeysIT {
    private static final Duration TTL = Duration.ofHours(24);
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(30);
    private static final IdempotencyKeys.Scope SCOPE = new IdempotencyKeys.Scope("posts", 42);
    private static final String HASH = "c".repeat(64);

    @TempDir
    Path dataDir;

    private Database database;
    private Jdbi jdbi;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-30T10:00:00Z"));
    private IdempotencyKeys keys;

    @BeforeEach
    void openDatabase() {
        MariaDb mariaDb = MariaDb.shared();
        Config config = TestApp.config("single-box", Map.of(
                "LADDER_DATA_DIR", dataDir.toString(),
                "LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()),
                "LADDER_DATABASE_USER", mariaDb.user(),
                "LADDER_DATABASE_PASSWORD", mariaDb.password()));
        database = Database.open(config.database(), config.data().path(), "idempotency-keys-it", new SimpleMeterRegistry());
        database.migrate();
        jdbi = database.jdbi();
        jdbi.useHandle(handle -> handle.execute("CREATE TABLE writes (id BIGINT PRIMARY KEY)"));
        keys = new IdempotencyKeys(jdbi, TTL, CLAIM_TIMEOUT, clock);
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    private long writes() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM writes").mapTo(Long.class).one());
    }

    private static IdempotencyKeys.Response answerFor(long id) {
        return new IdempotencyKeys.Response(201, "/api/posts/" + id, "\"v1\"", "application/json", "{\"id\":\"" + id + "\"}");
    }

    /** The write and its answer, in one transaction, as the services do it. */
    private void write(IdempotencyKeys.Claim claim, long id) {
        jdbi.useTransaction(handle -> {
            handle.execute("INSERT INTO writes (id) VALUES (?)", id);
            keys.storeIn(handle, claim, answerFor(id));
        });
    }

    private IdempotencyKeys.Claim claim() {
        IdempotencyKeys.Outcome outcome = keys.claim(SCOPE, "the-key", HASH);
        assertThat(outcome).isInstanceOf(IdempotencyKeys.Claimed.class);
        return ((IdempotencyKeys.Claimed) outcome).claim();
    }

    @Test
    void aFailureAfterTheCommitCannotFreeTheKeySoTheRetryReplays() {
        IdempotencyKeys.Claim claim = claim();
        write(claim, 1);

        keys.release(claim); // what the filter does when the response is a 5xx, e.g. the connection broke after COMMIT

        IdempotencyKeys.Outcome retry = keys.claim(SCOPE, "the-key", HASH);
        assertThat(retry).isEqualTo(new IdempotencyKeys.Replay(answerFor(1)));
        assertThat(writes()).isEqualTo(1);
    }

    @Test
    void aWriteThatRollsBackTakesItsAnswerWithItAndFreesTheKey() {
        IdempotencyKeys.Claim claim = claim();
        assertThatThrownBy(() -> jdbi.useTransaction(handle -> {
            handle.execute("INSERT INTO writes (id) VALUES (?)", 1);
            keys.storeIn(handle, claim, answerFor(1));
            throw new IllegalStateException("the database went away before COMMIT");
        })).isInstanceOf(IllegalStateException.class);
        keys.release(claim);

        IdempotencyKeys.Claim again = claim();
        write(again, 2);
        assertThat(keys.claim(SCOPE, "the-key", HASH)).isEqualTo(new IdempotencyKeys.Replay(answerFor(2)));
        assertThat(writes()).isEqualTo(1);
    }

    @Test
    void aClaimWhoseHolderDiedIsTakenOverAfterTheTimeoutAndTheOldHolderCannotCommit() {
        IdempotencyKeys.Claim dead = claim(); // its holder "dies": it never writes, never releases

        clock.advance(CLAIM_TIMEOUT.minusSeconds(1));
        assertThatThrownBy(() -> keys.claim(SCOPE, "the-key", HASH))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> keys.claim(SCOPE, "the-key", "d".repeat(64)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(422));

        clock.advance(Duration.ofSeconds(1));
        IdempotencyKeys.Claim taker = claim();
        assertThat(taker.claimedAt()).isGreaterThan(dead.claimedAt());

        // The old holder was only slow: its write fails the fence and rolls back.
        assertThatThrownBy(() -> write(dead, 1)).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(writes()).isZero();
        keys.release(dead); // its 409 releases nothing of the new holder's
        write(taker, 2);

        assertThat(keys.claim(SCOPE, "the-key", HASH)).isEqualTo(new IdempotencyKeys.Replay(answerFor(2)));
        assertThat(writes()).isEqualTo(1);
    }

    @Test
    void concurrentRetriesOfAnAbandonedClaimTakeItOverOnce() throws Exception {
        claim(); // abandoned
        clock.advance(CLAIM_TIMEOUT);
        int threads = 12;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Object>> outcomes = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        return keys.claim(SCOPE, "the-key", HASH);
                    } catch (ApiException e) {
                        return e.status();
                    }
                }));
            }
            start.countDown();
            List<Object> results = new ArrayList<>();
            for (Future<Object> outcome : outcomes) {
                results.add(outcome.get());
            }
            assertThat(results.stream().filter(IdempotencyKeys.Claimed.class::isInstance)).hasSize(1);
            assertThat(results.stream().filter(result -> !(result instanceof IdempotencyKeys.Claimed))).allMatch(status -> status.equals(409));
        } finally {
            pool.shutdownNow();
        }
    }
}
