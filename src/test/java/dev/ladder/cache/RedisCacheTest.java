package dev.ladder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.config.Config;
import dev.ladder.redis.Redis;
import dev.ladder.testing.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * The shared cache against a real redis-server; two {@link Node}s in this JVM stand for two app
 * nodes (each its own client, breaker, subscriber and near cache).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisCacheTest {
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration BREAKER_OPEN_FOR = Duration.ofMillis(500);
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private RedisServer server;
    private final List<Node> nodes = new ArrayList<>();

    /** One app node's side of the cache. */
    private final class Node implements AutoCloseable {
        final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        final UnifiedJedis jedis;
        final RedisCaches caches;
        final RedisCache<String> cache;

        Node(int nearEntries, Duration nearTtl) {
            jedis = Redis.open(new Config.Redis(Config.Redis.Mode.standalone, server.address(), List.of(), "ladder", "",
                    Duration.ofMillis(300), Duration.ofMillis(300), 8), "cache-test");
            caches = new RedisCaches(jedis, new Config.Cache(Config.Cache.Kind.redis, nearEntries, nearTtl, Duration.ofSeconds(5), 10,
                    BREAKER_OPEN_FOR), metrics);
            cache = caches.cache("test", new StringCodec(), TTL);
            nodes.add(this);
            await().atMost(PATIENCE).until(caches::subscribed);
        }

        double requests(String result) {
            return metrics.get("cache.requests").tag("result", result).counter().count();
        }

        @Override
        public void close() {
            caches.close();
            jedis.close();
        }
    }

    private static final class StringCodec implements Codec<String> {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @BeforeAll
    void startRedis() {
        server = RedisServer.start();
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(Node::close);
        nodes.clear();
        if (!server.isRunning()) {
            server.restart();
        }
        try (Jedis jedis = server.connect()) {
            jedis.flushAll();
        }
    }

    @AfterAll
    void stopRedis() {
        server.close();
    }

    private static Optional<String> load(AtomicInteger loads, String value) {
        loads.incrementAndGet();
        return Optional.of(value);
    }

    @Test
    void aLoadedValueIsSharedThroughRedisAndLivesAJitteredTtl() {
        Node one = new Node(0, Duration.ZERO);
        Node two = new Node(0, Duration.ZERO);
        AtomicInteger loads = new AtomicInteger();

        assertThat(one.cache.get("k", key -> load(loads, "from the database"))).contains("from the database");
        assertThat(two.cache.get("k", key -> load(loads, "loaded again"))).contains("from the database");

        assertThat(loads).hasValue(1);
        try (Jedis jedis = server.connect()) {
            long ttl = jedis.pttl("ladder:cache:test:k");
            assertThat(ttl).isBetween(TTL.toMillis() * 90 / 100 - 2_000, TTL.toMillis());
        }
        assertThat(two.requests("hit")).isEqualTo(1);
    }

    @Test
    void manyConcurrentMissesOnOneNodeLoadOnce() throws Exception {
        Node node = new Node(100, Duration.ofSeconds(1));
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Future<Optional<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                results.add(pool.submit(() -> node.cache.get("hot", key -> {
                    loads.incrementAndGet();
                    await().atMost(PATIENCE).until(() -> release.getCount() == 0);
                    return Optional.of("viral");
                })));
            }
            await().atMost(PATIENCE).until(() -> loads.get() == 1);
            Thread.sleep(200); // a second (wrong) load would start now
            release.countDown();
            for (Future<Optional<String>> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).contains("viral");
            }
        }
        assertThat(loads).hasValue(1);
    }

    @Test
    void aMissingKeyIsRememberedAsAbsentForTheNegativeTtl() {
        Node one = new Node(0, Duration.ZERO);
        Node two = new Node(0, Duration.ZERO);
        AtomicInteger loads = new AtomicInteger();

        assertThat(one.cache.get("gone", key -> { loads.incrementAndGet(); return Optional.empty(); })).isEmpty();
        assertThat(two.cache.get("gone", key -> load(loads, "should not load"))).isEmpty();

        assertThat(loads).hasValue(1);
        try (Jedis jedis = server.connect()) {
            assertThat(jedis.pttl("ladder:cache:test:gone")).isBetween(1L, 5_000L);
        }
    }

    @Test
    void anInvalidationReachesTheOtherNodesNearCacheAtOnce() {
        Node writer = new Node(100, Duration.ofSeconds(60));
        Node reader = new Node(100, Duration.ofSeconds(60));
        reader.cache.get("post", key -> Optional.of("v1"));
        assertThat(reader.cache.get("post", key -> Optional.of("unused"))).contains("v1");
        assertThat(reader.requests("near-hit")).isEqualTo(1);

        writer.cache.invalidate("post"); // the writer's change committed; the reader's near copy lives a minute otherwise

        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(reader.cache.get("post", key -> Optional.of("v2"))).contains("v2"));
        assertThat(writer.cache.get("post", key -> Optional.of("not loaded"))).contains("v2");
    }

    @Test
    void aLoadThatOverlappedAChangeNeverWritesTheReplacedVersionBack() throws Exception {
        Node slowReader = new Node(100, Duration.ofSeconds(60));
        Node writer = new Node(100, Duration.ofSeconds(60));
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch changed = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Optional<String>> slow = pool.submit(() -> slowReader.cache.get("post", key -> {
                loading.countDown();
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return Optional.of("v1"); // read from the database before the change committed
            }));
            loading.await();
            writer.cache.invalidate("post"); // after the commit of v2, before the writer acknowledges it
            changed.countDown();
            assertThat(slow.get(30, TimeUnit.SECONDS)).contains("v1");
        }

        assertThat(writer.cache.get("post", key -> Optional.of("v2"))).as("the acknowledging node").contains("v2");
        assertThat(slowReader.cache.get("post", key -> Optional.of("v2"))).contains("v2");
    }

    @Test
    void aDeadRedisIsBypassedByTheBreakerAndReadsComeFromTheSource() {
        Node node = new Node(0, Duration.ZERO);
        node.cache.get("k", key -> Optional.of("cached"));
        server.kill();
        AtomicInteger loads = new AtomicInteger();

        // Every read is answered from the source, none throws, and the breaker opens.
        for (int i = 0; i < 20; i++) {
            assertThat(node.cache.get("k", key -> load(loads, "from the database"))).contains("from the database");
        }
        assertThat(node.caches.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(node.caches.healthy()).isFalse();
        assertThat(loads).hasValue(20);
        assertThat(node.metrics.get("cache.breaker.state").tag("state", "open").gauge().value()).isEqualTo(1);

        // Once Redis is back, calls after breakerOpenFor try it again and the breaker closes.
        server.restart();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            node.cache.get("k", key -> Optional.of("from the database"));
            assertThat(node.caches.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        });
        await().atMost(PATIENCE).until(node.caches::healthy);
        AtomicInteger afterwards = new AtomicInteger();
        node.cache.get("again", key -> load(afterwards, "x"));
        assertThat(node.cache.get("again", key -> load(afterwards, "y"))).contains("x");
        assertThat(afterwards).hasValue(1);
    }

    @Test
    void aNodeWhoseInvalidationWasLostNeverServesTheOldValueAndWritesTheInvalidationWhenRedisIsBack() {
        Node writer = new Node(0, Duration.ZERO);
        writer.cache.get("post", key -> Optional.of("v1"));
        server.kill();
        writer.cache.invalidate("post"); // Redis cannot hear it: v1 may still be there when Redis returns
        assertThat(writer.cache.bypassing()).isTrue();
        assertThat(writer.cache.get("post", key -> Optional.of("v2"))).contains("v2");
        server.restart();
        // The worst case: Redis kept the old value (it was unreachable, not restarted empty).
        byte[] redisKey = "ladder:cache:test:post".getBytes(StandardCharsets.UTF_8);
        try (Jedis jedis = server.connect()) {
            jedis.set(redisKey, "Vv1".getBytes(StandardCharsets.UTF_8));
        }

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(writer.cache.get("post", key -> Optional.of("v2"))).contains("v2");
            assertThat(writer.cache.bypassing()).isFalse();
        });
        try (Jedis jedis = server.connect()) {
            assertThat(new String(jedis.get(redisKey), StandardCharsets.UTF_8)).isNotEqualTo("Vv1");
        }
        assertThat(writer.cache.get("post", key -> Optional.of("v3"))).contains("v2");
    }

    @Test
    void tooManyLostInvalidationsToRememberKeepTheNodeAwayFromRedisUntilTheyExpire() {
        Node writer = new Node(0, Duration.ZERO);
        server.kill();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i <= RedisCache.MAX_LOST_KEYS; i++) {
            keys.add("post:" + i);
        }
        writer.cache.invalidateAll(keys);
        server.restart();

        assertThat(writer.cache.bypassing()).isTrue();
        assertThat(writer.cache.get("post:1", key -> Optional.of("from the database"))).contains("from the database");
        try (Jedis jedis = server.connect()) {
            assertThat(jedis.exists("ladder:cache:test:post:1")).as("nothing written while away").isFalse();
        }
    }

    @Test
    void aResubscriptionClearsTheNearCacheSinceMessagesMayHaveBeenLost() {
        Node node = new Node(100, Duration.ofSeconds(60));
        node.cache.get("post", key -> Optional.of("v1"));
        server.kill();
        server.restart();
        try (Jedis jedis = server.connect()) {
            jedis.set("ladder:cache:test:post".getBytes(StandardCharsets.UTF_8), "Vv2".getBytes(StandardCharsets.UTF_8));
        }

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(node.cache.get("post", key -> Optional.of("loaded"))).contains("v2"));
    }
}
