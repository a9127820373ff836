package dev.ladder.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * An in-process cache (Caffeine), bounded by the bytes its values weigh and by age. Its hits,
 * misses and evictions go to /metrics as cache_* with tag cache=NAME; its loads as
 * cache_loads_seconds{cache=NAME,result=found|absent|failed}.
 *
 * <p>Within one node an invalidation is exact. Across nodes each node's copy lives at most the
 * policy's ttl, which bounds how stale another node can be (the shared {@link RedisCache} removes
 * that bound in normal operation).
 */
public final class InProcessCache<V> implements Cache<V> {
    private final com.github.benmanes.caffeine.cache.Cache<String, Entry<V>> entries;
    private final CachePolicy policy;
    private final Flights<Optional<V>> flights = new Flights<>();
    private final LoadMeter loads;

    /** Values live timeToLive exactly; absence is not remembered (the settings before Users+++). */
    public InProcessCache(String name, long maxBytes, Duration timeToLive, ToIntFunction<V> weigher, MeterRegistry metrics) {
        this(name, maxBytes, CachePolicy.of(timeToLive), weigher, metrics);
    }

    public InProcessCache(String name, long maxBytes, CachePolicy policy, ToIntFunction<V> weigher, MeterRegistry metrics) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(weigher, "weigher");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        this.entries = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                // An absent entry weighs its key and a little for the objects around it.
                .weigher((String key, Entry<V> entry) -> key.length() + (entry.present() ? weigher.applyAsInt(entry.value()) : 32))
                .expireAfter(Entry.<V>expiry())
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(metrics, entries, name);
        this.loads = new LoadMeter(name, metrics);
    }

    @Override
    public Optional<V> get(String key) {
        Entry<V> entry = entries.getIfPresent(key);
        return entry == null ? Optional.empty() : entry.asOptional();
    }

    @Override
    public Optional<V> get(String key, Function<String, Optional<V>> loader, Predicate<? super V> keep) {
        Entry<V> entry = entries.getIfPresent(key);
        if (entry != null) {
            return entry.asOptional();
        }
        return flights.run(key, flight -> {
            Optional<V> loaded = loads.time(() -> loader.apply(key));
            if (loaded.isPresent() ? keep.test(loaded.get()) : policy.remembersAbsence()) {
                Entry<V> fresh = new Entry<>(loaded.orElse(null), policy.entryTtlMillis(loaded.isPresent()));
                flight.storeUnlessInvalidated(() -> entries.put(key, fresh));
            }
            return loaded;
        });
    }

    @Override
    public void put(String key, V value) {
        Objects.requireNonNull(value, "value");
        entries.put(key, new Entry<>(value, policy.entryTtlMillis(true)));
    }

    @Override
    public void invalidateAll(Collection<String> keys) {
        for (String key : keys) {
            flights.invalidate(key);
            entries.invalidate(key);
        }
    }
}
