package dev.ladder.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys live idempotency.ttl, then housekeeping deletes them; the clock is the test's. */
class IdempotencyKeysTest {
    private static final Duration TTL = Duration.ofHours(24);
    private static final IdempotencyKeys.Scope POSTS_OF_USER_7 = new IdempotencyKeys.Scope("posts", 7);

    @TempDir
    Path dataDir;

    private Database database;
    private Instant now = Instant.parse("2026-11-30T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private IdempotencyKeys keys;

    @BeforeEach
    void openDatabase() {
        Config config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", dataDir.toString()));
        database = Database.open(config.database(), config.data().path(), "idempotency-test", new SimpleMeterRegistry());
        database.migrate();
        keys = new IdempotencyKeys(database.jdbi(), TTL, clock);
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    private long rows() {
        return database.jdbi().withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM idempotency_keys").mapTo(Long.class).one());
    }

    private IdempotencyKeys.Claim claimAndComplete(String key) {
        IdempotencyKeys.Outcome outcome = keys.claim(POSTS_OF_USER_7, key, "a".repeat(64));
        assertThat(outcome).isInstanceOf(IdempotencyKeys.Claimed.class);
        IdempotencyKeys.Claim claim = ((IdempotencyKeys.Claimed) outcome).claim();
        keys.complete(claim, new IdempotencyKeys.Response(201, "/api/posts/1", "\"v1\"", "application/json", "{}"));
        return claim;
    }

    @Test
    void aKeyIsReplayedUntilItsTtlThenPurgedByHousekeeping() {
        claimAndComplete("key-1");
        now = now.plus(TTL).minusSeconds(1);
        claimAndComplete("key-2");

        assertThat(keys.claim(POSTS_OF_USER_7, "key-1", "a".repeat(64))).isInstanceOf(IdempotencyKeys.Replay.class);
        assertThat(keys.purgeExpired(100)).isZero();

        now = now.plusSeconds(1);
        assertThat(keys.purgeExpired(100)).isEqualTo(1);
        assertThat(rows()).isEqualTo(1);
        now = now.plus(TTL);
        assertThat(keys.purgeExpired(100)).isEqualTo(1);
        assertThat(rows()).isZero();
    }

    @Test
    void anExpiredKeyNotYetPurgedIsClaimedAfresh() {
        claimAndComplete("key-3");
        now = now.plus(TTL);

        assertThat(keys.claim(POSTS_OF_USER_7, "key-3", "b".repeat(64))).isInstanceOf(IdempotencyKeys.Claimed.class);
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void purgingWorksInBoundedBatches() {
        for (int i = 0; i < 5; i++) {
            claimAndComplete("batch-" + i);
        }
        now = now.plus(TTL);

        assertThat(keys.purgeExpired(2)).isEqualTo(2);
        assertThat(keys.purgeExpired(10)).isEqualTo(3);
    }
}
