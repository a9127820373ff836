package dev.ladder.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import dev.ladder.config.Config;
import dev.ladder.config.Rate;
import dev.ladder.redis.Redis;
import dev.ladder.testing.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis rate limiter against a real redis-server; each {@link Node} (its own client, breaker
 * and fallback buckets) stands for one app node.
 */
class RedisRateLimiterTest {
    private static final Duration BREAKER_OPEN_FOR = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Rate THREE_A_MINUTE = Rate.parse("3/1m");

    private RedisServer server;
    private final List<Node> nodes = new ArrayList<>();

    private final class Node implements AutoCloseable {
        final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        final UnifiedJedis jedis;
        final RedisRateLimiter limiter;

        Node() {
            jedis = Redis.open(new Config.Redis(Config.Redis.Mode.standalone, server.address(), List.of(), "ladder", "",
                    Duration.ofMillis(300), Duration.ofMillis(300), 4), "ratelimit-test");
            limiter = new RedisRateLimiter(jedis, new InProcessRateLimiter(1_000, Duration.ofHours(1)), BREAKER_OPEN_FOR, metrics);
            nodes.add(this);
        }

        double fallbacks() {
            return metrics.get("ratelimit.redis.fallbacks").counter().count();
        }

        @Override
        public void close() {
            jedis.close();
        }
    }

    @BeforeEach
    void startRedis() {
        server = RedisServer.start();
    }

    @AfterEach
    void stopRedis() {
        nodes.forEach(Node::close);
        server.close();
    }

    private boolean inRedis(String key, Rate rate) {
        try (Jedis jedis = server.connect()) {
            return jedis.exists(RedisRateLimiter.KEY_PREFIX + key + "@" + rate);
        }
    }

    @Test
    void aBurstIsAllowedThenRefusedWithTheWaitUntilTheNextToken() {
        Node node = new Node();
        for (int i = 0; i < 3; i++) {
            assertThat(node.limiter.tryTake("burst", THREE_A_MINUTE)).as("take %d", i + 1).isEmpty();
        }
        Optional<Duration> refused = node.limiter.tryTake("burst", THREE_A_MINUTE);
        // One token comes back every 20 s.
        assertThat(refused).hasValueSatisfying(wait -> assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(20)));
        assertThat(inRedis("burst", THREE_A_MINUTE)).isTrue();
        assertThat(node.fallbacks()).isZero();
    }

    @Test
    void aTokenGivenBackCanBeTakenAgain() {
        Node node = new Node();
        for (int i = 0; i < 3; i++) {
            assertThat(node.limiter.tryTake("given-back", THREE_A_MINUTE)).isEmpty();
        }
        assertThat(node.limiter.tryTake("given-back", THREE_A_MINUTE)).isPresent();
        node.limiter.giveBack("given-back", THREE_A_MINUTE);
        assertThat(node.limiter.tryTake("given-back", THREE_A_MINUTE)).isEmpty();
        assertThat(node.limiter.tryTake("given-back", THREE_A_MINUTE)).isPresent();
        assertThat(node.fallbacks()).isZero();
    }

    @Test
    void twoNodesCountAgainstTheSameBucket() {
        Node first = new Node();
        Node second = new Node();
        assertThat(first.limiter.tryTake("shared", THREE_A_MINUTE)).isEmpty();
        assertThat(second.limiter.tryTake("shared", THREE_A_MINUTE)).isEmpty();
        assertThat(first.limiter.tryTake("shared", THREE_A_MINUTE)).isEmpty();
        assertThat(second.limiter.tryTake("shared", THREE_A_MINUTE)).as("the fourth, on the other node").isPresent();
        assertThat(first.limiter.tryTake("shared", THREE_A_MINUTE)).isPresent();
        // A token given back on one node is there for the other.
        first.limiter.giveBack("shared", THREE_A_MINUTE);
        assertThat(second.limiter.tryTake("shared", THREE_A_MINUTE)).isEmpty();
        // Other names and other rates are other buckets.
        assertThat(second.limiter.tryTake("other", THREE_A_MINUTE)).isEmpty();
        assertThat(second.limiter.tryTake("shared", Rate.parse("4/1m"))).isEmpty();
    }

    @Test
    void whileRedisIsDownEachNodeLimitsOnItsOwnAndNothingFails() {
        Node node = new Node();
        Rate twoAnHour = Rate.parse("2/1h");
        assertThat(node.limiter.tryTake("before", twoAnHour)).isEmpty();
        server.kill();

        // The node's own buckets answer: the limit still holds (per node), and no exception escapes.
        assertThatCode(() -> {
            assertThat(node.limiter.tryTake("down", twoAnHour)).isEmpty();
            assertThat(node.limiter.tryTake("down", twoAnHour)).isEmpty();
            assertThat(node.limiter.tryTake("down", twoAnHour)).isPresent();
            node.limiter.giveBack("down", twoAnHour);
            assertThat(node.limiter.tryTake("down", twoAnHour)).isEmpty();
            for (int i = 0; i < 10; i++) {
                node.limiter.tryTake("down-" + i, twoAnHour);
            }
        }).doesNotThrowAnyException();
        assertThat(node.fallbacks()).isGreaterThanOrEqualTo(15);
        // Enough failures open the breaker: then no call waits for Redis.
        assertThat(node.limiter.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);

        server.restart();
        // Once the breaker lets calls through again, buckets are back in Redis.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            node.limiter.tryTake("after", twoAnHour);
            return inRedis("after", twoAnHour);
        });
        await().atMost(PATIENCE).until(() -> {
            node.limiter.tryTake("after-closed", THREE_A_MINUTE);
            return node.limiter.breakerState() == CircuitBreaker.State.CLOSED;
        });
    }

    @Test
    void anIdleBucketLeavesRedisOnceItWouldBeFullAgain() {
        Node node = new Node();
        Rate twoASecond = Rate.parse("2/1s");
        assertThat(node.limiter.tryTake("idle", twoASecond)).isEmpty();
        assertThat(node.limiter.tryTake("long", Rate.parse("2/1h"))).isEmpty();
        try (Jedis jedis = server.connect()) {
            // Refilled within half a second, plus the second it is kept after that.
            long ttl = jedis.pttl(RedisRateLimiter.KEY_PREFIX + "idle@2/1s");
            assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2).toMillis());
            // A bucket refilled over an hour never lives longer than that hour (and its second).
            long longTtl = jedis.pttl(RedisRateLimiter.KEY_PREFIX + "long@2/1h");
            assertThat(longTtl).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(30).plusSeconds(1).toMillis());
        }
        await().atMost(PATIENCE).until(() -> !inRedis("idle", twoASecond));
        // Gone means full: a whole burst again.
        assertThat(node.limiter.tryTake("idle", twoASecond)).isEmpty();
        assertThat(node.limiter.tryTake("idle", twoASecond)).isEmpty();
    }
}
