package dev.ladder.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * An in-process cache (Caffeine), bounded by the bytes its values weigh and by age. Its hits,
 * misses and evictions go to /metrics as cache_* with tag cache=NAME.
 *
 * <p>Within one node an invalidation is exact. Across nodes each node's copy lives at most
 * {@code timeToLive}, which bounds how stale another node can be until a shared cache replaces this.
 */
public final class InProcessCache<V> implements Cache<V> {
    private final com.github.benmanes.caffeine.cache.Cache<String, V> entries;

    public InProcessCache(String name, long maxBytes, Duration timeToLive, ToIntFunction<V> weigher, MeterRegistry metrics) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(weigher, "weigher");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        this.entries = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, V value) -> key.length() + weigher.applyAsInt(value))
                .expireAfterWrite(timeToLive)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(metrics, entries, name);
    }

    @Override
    public Optional<V> get(String key) {
        return Optional.ofNullable(entries.getIfPresent(key));
    }

    @Override
    public void put(String key, V value) {
        entries.put(key, value);
    }

    @Override
    public void invalidate(String key) {
        entries.invalidate(key);
    }
}
