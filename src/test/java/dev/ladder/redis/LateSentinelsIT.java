package dev.ladder.redis;

import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ladder.config.Config;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.RedisSentinels;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A node configured for Redis through Sentinel starts while no Sentinel answers, and starts using
 * Redis by itself once they do: real redis-server and redis-sentinel processes
 * ({@link RedisSentinels}) started after the client or node, on ports reserved beforehand.
 */
class LateSentinelsIT {
    private static final Duration EVENTUALLY = Duration.ofSeconds(60);

    private static Config.Redis sentinelConfig(List<Integer> ports) {
        return new Config.Redis(Config.Redis.Mode.sentinel, "127.0.0.1:6379",
                ports.stream().map(port -> "127.0.0.1:" + port).toList(), RedisSentinels.MASTER_NAME, "",
                Duration.ofMillis(500), Duration.ofMillis(500), 4);
    }

    private static Map<String, String> nodeEnv(List<Integer> ports, boolean sessionsInRedis) throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        Map<String, String> env = new HashMap<>();
        env.put("LADDER_DATA_DIR", Files.createTempDirectory("ladder-late-sentinels").toString());
        env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()));
        env.put("LADDER_DATABASE_USER", mariaDb.user());
        env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
        env.put("LADDER_REDIS_MODE", "sentinel");
        env.put("LADDER_REDIS_SENTINELS", ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(",")));
        env.put("LADDER_REDIS_MASTER_NAME", RedisSentinels.MASTER_NAME);
        env.put("LADDER_CACHE_KIND", "redis");
        env.put("LADDER_CACHE_BREAKER_OPEN_FOR", "500ms");
        env.put("LADDER_SESSIONS_STORE", sessionsInRedis ? "redis" : "database");
        return env;
    }

    @Test
    void aClientOpensWithoutSentinelsAndUsesRedisOnceTheyAnswer() {
        List<Integer> ports = RedisSentinels.reservePorts();
        try (UnifiedJedis client = Redis.open(sentinelConfig(ports), "late-test")) {
            assertThat(Redis.connected(client)).isFalse();
            assertThatThrownBy(() -> client.set("k", "v")).isInstanceOf(JedisConnectionException.class);

            try (RedisSentinels sentinels = RedisSentinels.start(ports)) {
                await().atMost(EVENTUALLY).until(() -> Redis.connected(client));
                client.set("k", "v");
                assertThat(client.get("k")).isEqualTo("v");
                try (var direct = sentinels.primary().connect()) {
                    assertThat(direct.get("k")).as("written to the primary the Sentinels name").isEqualTo("v");
                }
            }
        }
    }

    @Test
    void aNodeWithSessionsInRedisStartsNotReadyAndBecomesReadyWhenSentinelsAnswer() throws Exception {
        List<Integer> ports = RedisSentinels.reservePorts();
        try (TestApp node = TestApp.start("single-box", nodeEnv(ports, true))) {
            Api api = new Api(node.apiUri());
            Api admin = new Api(node.adminUri());

            Reply notReady = admin.get("/health/ready");
            assertThat(notReady.status()).isEqualTo(503);
            assertThat(notReady.text("sessions")).isEqualTo("connecting");
            assertThat(notReady.text("database")).isEqualTo("up");
            assertThat(notReady.text("cache")).isEqualTo("degraded");
            assertThat(api.get("/api/posts").status()).as("reads need no Redis").isEqualTo(200);

            try (RedisSentinels sentinels = RedisSentinels.start(ports)) {
                long answering = System.nanoTime();
                await().atMost(EVENTUALLY).pollInterval(Duration.ofMillis(100))
                        .until(() -> admin.get("/health/ready").status() == 200);
                System.out.printf("LateSentinelsIT: ready %d ms after the Sentinels answered (retry every %d ms)%n",
                        (System.nanoTime() - answering) / 1_000_000, Redis.SENTINEL_RETRY.toMillis());
                assertThat(admin.get("/health/ready").text("sessions")).isEqualTo("up");
                String handle = uniqueHandle("latecomer");
                String token = api.signUpAndLogIn(handle); // a session in Redis
                assertThat(api.post("/api/posts", json(Map.of("body", "after Sentinel")), "Authorization", "Bearer " + token).status())
                        .isEqualTo(201);
                // The cache comes up too once requests try it (its breaker closes on traffic).
                await().atMost(EVENTUALLY).pollInterval(Duration.ofMillis(200)).until(() -> {
                    api.get("/api/posts");
                    return "up".equals(admin.get("/health/ready").text("cache"));
                });
            }
        }
    }

    @Test
    void aNodeThatNeedsRedisOnlyForItsCacheServesDegradedThenUpWhenSentinelsAnswer() throws Exception {
        List<Integer> ports = RedisSentinels.reservePorts();
        try (TestApp node = TestApp.start("single-box", nodeEnv(ports, false))) {
            Api api = new Api(node.apiUri());
            Api admin = new Api(node.adminUri());

            Reply degraded = admin.get("/health/ready");
            assertThat(degraded.status()).isEqualTo(200);
            assertThat(degraded.text("cache")).isEqualTo("degraded");
            String token = api.signUpAndLogIn(uniqueHandle("early"));
            assertThat(api.post("/api/posts", json(Map.of("body", "before Sentinel")), "Authorization", "Bearer " + token).status())
                    .isEqualTo(201);

            try (RedisSentinels sentinels = RedisSentinels.start(ports)) {
                await().atMost(EVENTUALLY).pollInterval(Duration.ofMillis(200)).until(() -> {
                    api.get("/api/posts");
                    return "up".equals(admin.get("/health/ready").text("cache"));
                });
                assertThat(admin.get("/health/ready").status()).isEqualTo(200);
            }
        }
    }
}
