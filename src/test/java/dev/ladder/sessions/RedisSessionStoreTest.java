package dev.ladder.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.config.Config;
import dev.ladder.http.ApiException;
import dev.ladder.redis.Redis;
import dev.ladder.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/** The session contract on a real Redis (a private redis-server), plus what only Redis does. */
class RedisSessionStoreTest extends SessionStoreContract {
    private static RedisServer server;
    private UnifiedJedis client;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (server != null) {
            server.close();
        }
    }

    static Config.Redis standalone(String address) {
        return new Config.Redis(Config.Redis.Mode.standalone, address, List.of(), "ladder", "",
                Duration.ofMillis(500), Duration.ofMillis(500), 4);
    }

    @Override
    SessionStore openStore() {
        if (!server.isRunning()) {
            server.restart();
        }
        try (Jedis jedis = server.connect()) {
            jedis.flushAll();
        }
        client = Redis.open(standalone(server.address()), "session-store-test");
        return new RedisSessionStore(client, Duration.ZERO, 5, Duration.ZERO); // one attempt: a dead Redis answers at once
    }

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    String everythingStored() {
        StringBuilder text = new StringBuilder();
        try (Jedis jedis = server.connect()) {
            for (String key : jedis.keys("*")) {
                text.append(key).append(" = ");
                switch (jedis.type(key)) {
                    case "hash" -> text.append(new TreeMap<>(jedis.hgetAll(key)));
                    case "zset" -> text.append(jedis.zrange(key, 0, -1));
                    default -> text.append(jedis.type(key));
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    private long userId(String token) {
        return sessions.resolve(token, false).orElseThrow().id();
    }

    @Test
    void redisExpiresTheSessionAndItsIndexItself() {
        String token = sessions.logIn("alice", "a long enough password").orElseThrow().token();
        try (Jedis jedis = server.connect()) {
            long sessionTtl = jedis.pttl(RedisSessionStore.SESSION_PREFIX + SessionService.hash(token));
            long indexTtl = jedis.pttl(RedisSessionStore.USER_PREFIX + userId(token));
            assertThat(sessionTtl).isBetween(TTL.toMillis() - 60_000, TTL.toMillis());
            assertThat(indexTtl).as("read after the session's, so a little less time may be left").isGreaterThan(sessionTtl - 5_000);
        }
        assertThat(sessions.purgeExpired(100)).as("nothing left for housekeeping").isZero();
    }

    @Test
    void aUsersIndexIsBoundedAndALoginBeyondItEndsTheOldestSession() {
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            tokens.add(sessions.logIn("alice", "a long enough password").orElseThrow().token());
            clock.advance(Duration.ofSeconds(1));
        }

        try (Jedis jedis = server.connect()) {
            assertThat(jedis.zcard(RedisSessionStore.USER_PREFIX + userId(tokens.get(6)))).isEqualTo(5);
        }
        assertThat(sessions.resolve(tokens.get(0), false)).as("oldest").isEmpty();
        assertThat(sessions.resolve(tokens.get(1), false)).as("second oldest").isEmpty();
        tokens.subList(2, 7).forEach(token -> assertThat(sessions.resolve(token, false)).isPresent());
    }

    @Test
    void expiredEntriesLeaveTheIndexAtTheNextLogin() {
        String old = sessions.logIn("alice", "a long enough password").orElseThrow().token();
        long alice = userId(old);
        clock.advance(TTL.plusSeconds(1));

        sessions.logIn("alice", "a long enough password").orElseThrow();

        try (Jedis jedis = server.connect()) {
            assertThat(jedis.zrange(RedisSessionStore.USER_PREFIX + alice, 0, -1)).doesNotContain(SessionService.hash(old)).hasSize(1);
        }
    }

    @Test
    void aDeadRedisMeansSessionsCannotBeCheckedNotLoggedOut() {
        String token = sessions.logIn("alice", "a long enough password").orElseThrow().token();
        server.kill();

        assertThatThrownBy(() -> sessions.resolve(token, false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThatThrownBy(() -> sessions.logIn("alice", "a long enough password"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
    }

    @Test
    void aCallRidesOutARedisThatComesBackWithinTheWindow() throws Exception {
        SessionStore patient = new RedisSessionStore(client, Duration.ZERO, 5, Duration.ofSeconds(10));
        patient.create("hash-1", 7, "alice", 1_000, 10_000);
        try (Jedis jedis = server.connect()) {
            jedis.configSet("save", ""); // nothing on disk: the restart below must not be what keeps the session
        }
        patient.create("hash-1", 7, "alice", 1_000, 10_000);
        server.kill();
        Thread restarter = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(1_500);
            } catch (InterruptedException e) {
                return;
            }
            server.restart();
        });
        // Redis is gone while the call starts and back (empty) 1.5 s later: the call waits for it
        // instead of answering 503, and then reads what the restarted server holds.
        assertThat(patient.find("hash-1", 2_000)).isEmpty();
        restarter.join();
        assertThat(RedisSessionStore.attemptsWithin(Duration.ZERO)).isEqualTo(1);
        assertThat(RedisSessionStore.attemptsWithin(RedisSessionStore.RIDE_OUT)).isBetween(8, 14);
    }

    @Test
    void withWaitForReplicaLoginsAndLogoutsReturnOnlyOnceTheReplicaHoldsThem() {
        try (RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(server.port()));
             UnifiedJedis waiting = Redis.open(standalone(server.address()), "session-wait-test")) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (Jedis jedis = replica.connect()) {
                    return jedis.info("replication").contains("master_link_status:up");
                }
            });
            SessionStore waitingStore = new RedisSessionStore(waiting, Duration.ofMillis(400)); // below the 500 ms socket timeout
            for (int i = 0; i < 20; i++) {
                String hash = SessionService.hash("token-" + i);
                waitingStore.create(hash, 42, "alice", clock.millis(), clock.millis() + TTL.toMillis());
                try (Jedis jedis = replica.connect()) {
                    assertThat(jedis.exists(RedisSessionStore.SESSION_PREFIX + hash)).as("session %d on the replica", i).isTrue();
                }
            }
            String first = SessionService.hash("token-0");
            waitingStore.delete(first, 42);
            try (Jedis jedis = replica.connect()) {
                assertThat(jedis.exists(RedisSessionStore.SESSION_PREFIX + first)).as("a logout, on the replica").isFalse();
            }
            assertThat(waitingStore.deleteAllOf(42)).hasSize(19).contains(SessionService.hash("token-19"));
            try (Jedis jedis = replica.connect()) {
                assertThat(jedis.keys(RedisSessionStore.SESSION_PREFIX + "*")).as("log out everywhere, on the replica").isEmpty();
            }
        }
    }
}
