package dev.ladder.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ladder.config.Rate;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Optional;

/**
 * Bucket4j buckets in this process, one per key, refilled gradually ("greedy"). The map is bounded
 * and forgets a bucket idle for longer than the longest period, which by then would be full anyway.
 */
public final class InProcessRateLimiter implements RateLimiter {
    private final Cache<String, Bucket> buckets;

    public InProcessRateLimiter(int maxBuckets, Duration longestPeriod) {
        this.buckets = Caffeine.newBuilder().maximumSize(maxBuckets).expireAfterAccess(longestPeriod).build();
    }

    @Override
    public Optional<Duration> tryTake(String key, Rate rate) {
        ConsumptionProbe probe = bucket(key, rate).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    @Override
    public void giveBack(String key, Rate rate) {
        bucket(key, rate).addTokens(1);
    }

    private Bucket bucket(String key, Rate rate) {
        // The rate is part of the key, so a changed limit starts a fresh bucket rather than reusing one of another shape.
        return buckets.get(key + "@" + rate, unused -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(rate.capacity()).refillGreedy(rate.capacity(), rate.period()).build())
                .build());
    }
}
