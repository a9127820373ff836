package dev.ladder.cache;

import dev.ladder.config.Config;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import dev.ladder.ops.Breakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * A node's side of the shared Redis cache: the one circuit breaker every cache on this node
 * shares (one Redis behind them all), and the pub/sub subscriber that applies other nodes'
 * invalidations to this node's near caches. {@link #cache} makes the named caches.
 *
 * <p>The breaker (resilience4j) opens when half of the last 20 calls failed (at least 5 made),
 * and then no call reaches Redis for cache.breakerOpenFor: a dead Redis costs a request nothing
 * instead of its connect or socket timeout. Then a few calls try Redis again, and it closes when
 * they succeed. Meanwhile reads go to the database.
 *
 * <p>The subscriber runs on its own thread and reconnects after any failure (a killed Redis, a
 * Sentinel failover). Messages published while it was away are lost, so each (re)subscription
 * clears every near cache: a near cache is never older than its last successful subscription.
 */
public final class RedisCaches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisCaches.class);
    static final String CHANNEL = "ladder:cache:invalidations";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final UnifiedJedis jedis;
    private final Config.Cache config;
    private final MeterRegistry metrics;
    private final CircuitBreaker breaker;
    private final Counter redisErrors;
    private final Map<String, RedisCache<?>> caches = new ConcurrentHashMap<>();
    private final Thread subscriber;
    private volatile JedisPubSub subscription;
    private volatile boolean subscribed;
    private volatile boolean closed;

    /** jedis stays the caller's: closing this stops the subscriber, not the client. */
    public RedisCaches(UnifiedJedis jedis, Config.Cache config, MeterRegistry metrics) {
        this.jedis = Objects.requireNonNull(jedis, "jedis");
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        // Whatever Redis or its client throws counts, and the request goes to the database.
        this.breaker = Breakers.of("redis-cache", config.breakerOpenFor(), 3);
        Breakers.stateGauge(breaker, "cache.breaker.state", "1 for the state the Redis cache's circuit breaker is in", metrics);
        Gauge.builder("cache.invalidations.subscribed", this, caches -> caches.subscribed ? 1 : 0)
                .description("1 while this node receives other nodes' cache invalidations").register(metrics);
        this.redisErrors = Counter.builder("cache.redis.errors").description("Redis calls that failed (the breaker counts them)")
                .register(metrics);
        breaker.getEventPublisher().onStateTransition(event ->
                log.warn("Redis cache circuit breaker: {}", event.getStateTransition()));
        this.subscriber = Thread.ofPlatform().name("cache-invalidations").daemon().start(this::subscribeUntilClosed);
    }

    /** A cache named name (unique per node; its keys are ladder:cache:NAME:KEY in Redis). */
    public <V> RedisCache<V> cache(String name, Codec<V> codec, Duration ttl) {
        CachePolicy policy = new CachePolicy(ttl, config.negativeTtl(), config.ttlJitterPercent());
        RedisCache<V> cache = new RedisCache<>(name, this, codec, policy, config.nearCacheEntries(), config.nearCacheTtl(), metrics);
        if (caches.putIfAbsent(name, cache) != null) {
            throw new IllegalArgumentException("a cache named " + name + " exists already");
        }
        return cache;
    }

    /** Healthy: Redis answers (the breaker is closed) and this node hears invalidations. */
    public boolean healthy() {
        return breaker.getState() == CircuitBreaker.State.CLOSED && subscribed;
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    /** Whether this node hears other nodes' invalidations now. */
    public boolean subscribed() {
        return subscribed;
    }

    /** call's result, or empty when Redis failed or the breaker is open (then nobody waits for Redis). */
    <T> Optional<T> call(java.util.function.Function<UnifiedJedis, T> call) {
        try {
            return Optional.ofNullable(breaker.executeSupplier(() -> call.apply(jedis)));
        } catch (CallNotPermittedException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            redisErrors.increment();
            log.debug("Redis cache call failed: {}", e.toString());
            return Optional.empty();
        }
    }

    /** Whether call succeeded (a call that returns nothing). */
    boolean run(java.util.function.Consumer<UnifiedJedis> call) {
        return call(redis -> {
            call.accept(redis);
            return Boolean.TRUE;
        }).isPresent();
    }

    /** The message telling every node that these keys of cache changed: "NAME\nKEY\nKEY...". */
    static byte[] message(String cache, Collection<String> keys) {
        return (cache + "\n" + String.join("\n", keys)).getBytes(StandardCharsets.UTF_8);
    }

    private void received(String message) {
        String[] lines = message.split("\n");
        RedisCache<?> cache = caches.get(lines[0]);
        if (cache == null) {
            return;
        }
        cache.invalidatedElsewhere(List.of(lines).subList(1, lines.length));
    }

    private void subscribeUntilClosed() {
        long backoffMillis = 50;
        while (!closed) {
            JedisPubSub pubSub = new JedisPubSub() {
                @Override
                public void onSubscribe(String channel, int subscribedChannels) {
                    // Whatever was published while this node was not listening is lost: start clean.
                    caches.values().forEach(RedisCache::clearNear);
                    subscribed = true;
                    log.info("Listening for cache invalidations on {}", CHANNEL);
                }

                @Override
                public void onMessage(String channel, String message) {
                    received(message);
                }
            };
            subscription = pubSub;
            try {
                jedis.subscribe(pubSub, CHANNEL);
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("Cache invalidation subscriber lost Redis ({}); retrying in {} ms", e.toString(), backoffMillis);
                }
            } finally {
                subscribed = false;
            }
            if (closed) {
                return;
            }
            // Clear again: between the loss and a new subscription, near caches only age out.
            caches.values().forEach(RedisCache::clearNear);
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
        }
    }

    @Override
    public void close() {
        closed = true;
        JedisPubSub current = subscription;
        if (current != null && current.isSubscribed()) {
            try {
                current.unsubscribe();
            } catch (RuntimeException e) {
                log.debug("Unsubscribing failed: {}", e.toString());
            }
        }
        subscriber.interrupt();
        try {
            subscriber.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
