package dev.ladder.limits;

import dev.ladder.config.Rate;
import java.time.Duration;
import java.util.Optional;

/**
 * Token buckets by name: in process ({@link InProcessRateLimiter}), or, when the stage has a
 * Redis, in Redis through bucket4j's Jedis proxy manager ({@link RedisRateLimiter}), so limits
 * hold across nodes, without a change to the callers.
 */
public interface RateLimiter {
    /** Takes one token from the bucket named key (refilled at rate); empty if taken, else how long until one is free. */
    Optional<Duration> tryTake(String key, Rate rate);

    /** Puts back a token taken by {@link #tryTake} for something that turned out not to count (a successful login). */
    void giveBack(String key, Rate rate);
}
