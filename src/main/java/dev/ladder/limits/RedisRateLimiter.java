package dev.ladder.limits;

import dev.ladder.config.Rate;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import dev.ladder.ops.Breakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Token buckets in Redis, shared by every node, so a limit holds however a load balancer spreads
 * one client's requests: bucket4j's Jedis proxy manager (compare-and-swap on one Redis key per
 * bucket, {@code ladder:ratelimit:NAME@RATE}; the rate is part of the key as in
 * {@link InProcessRateLimiter}). A key expires once its bucket would have refilled completely
 * (plus {@link #KEEP_AFTER_REFILL}), when it is no different from a new one, so Redis holds only
 * buckets in use.
 *
 * <p>When Redis fails, the call falls back to this node's own in-process buckets: the limits
 * then hold per node (a client spread over N nodes gets up to N times the limit) rather than
 * vanish, and no request fails because of Redis. A resilience4j circuit breaker opens when half
 * of the last 20 calls failed (at least 5 made); while it is open no call waits for Redis (its
 * connect or socket timeout), and after {@code openFor} a few calls try Redis again. Tokens taken
 * from the fallback are not carried over to Redis when it returns, nor the other way round.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final Logger log = LoggerFactory.getLogger(RedisRateLimiter.class);
    static final String KEY_PREFIX = "ladder:ratelimit:";
    /** How long a bucket stays in Redis after it would be full again. */
    static final Duration KEEP_AFTER_REFILL = Duration.ofSeconds(1);

    private final ProxyManager<String> buckets;
    private final RateLimiter fallback;
    private final CircuitBreaker breaker;
    private final Counter fallbacks;

    /**
     * jedis stays the caller's (this never closes it); fallback answers while Redis does not;
     * openFor is how long a failing Redis is left alone.
     */
    public RedisRateLimiter(UnifiedJedis jedis, RateLimiter fallback, Duration openFor, MeterRegistry metrics) {
        Objects.requireNonNull(jedis, "jedis");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.buckets = Bucket4jJedis.casBasedBuilder(jedis)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
                .build()
                .withMapper((String key) -> (KEY_PREFIX + key).getBytes(StandardCharsets.UTF_8));
        // Whatever Redis or its client throws counts, and the node's own buckets answer.
        this.breaker = Breakers.of("redis-rate-limits", openFor, 3);
        Breakers.stateGauge(breaker, "ratelimit.breaker.state", "1 for the state the Redis rate limits' circuit breaker is in", metrics);
        this.fallbacks = Counter.builder("ratelimit.redis.fallbacks")
                .description("Rate-limit calls this node answered from its own buckets because Redis failed or its breaker was open")
                .register(metrics);
        breaker.getEventPublisher().onStateTransition(event ->
                log.warn("Redis rate limits circuit breaker: {} (limits are per node while it is not closed)", event.getStateTransition()));
    }

    @Override
    public Optional<Duration> tryTake(String key, Rate rate) {
        return call(() -> {
            ConsumptionProbe probe = bucket(key, rate).tryConsumeAndReturnRemaining(1);
            return probe.isConsumed() ? Optional.<Duration>empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }, () -> fallback.tryTake(key, rate));
    }

    @Override
    public void giveBack(String key, Rate rate) {
        call(() -> {
            bucket(key, rate).addTokens(1);
            return null;
        }, () -> {
            fallback.giveBack(key, rate);
            return null;
        });
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    private BucketProxy bucket(String key, Rate rate) {
        return buckets.getProxy(key + "@" + rate, () -> BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(rate.capacity()).refillGreedy(rate.capacity(), rate.period()).build())
                .build());
    }

    private <T> T call(Supplier<T> inRedis, Supplier<T> inProcess) {
        try {
            return breaker.executeSupplier(inRedis);
        } catch (CallNotPermittedException e) {
            fallbacks.increment();
            return inProcess.get();
        } catch (RuntimeException e) {
            fallbacks.increment();
            log.debug("Redis rate-limit call failed, answered by this node's buckets: {}", e.toString());
            return inProcess.get();
        }
    }
}
