package dev.ladder.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import redis.clients.jedis.params.SetParams;

/**
 * A cache shared by every node through Redis, with a small near cache (Caffeine) in each node in
 * front of it, so a hot key is read from local memory rather than from one hot Redis key.
 *
 * <p>How a change reaches readers. {@link #invalidateAll} first replaces each key in Redis with a
 * tombstone (a short-lived marker with a random token) and publishes the keys on a pub/sub
 * channel, in one script; then it clears this node's near cache and marks this node's loads of
 * those keys under way. Every node's subscriber clears its near cache on the message. A miss
 * reads Redis, loads from the source, and stores the result only if the key still holds exactly
 * what the read saw (nothing, or the same tombstone): a load that overlapped a change therefore
 * never writes the replaced version back, on any node.
 *
 * <p>When Redis fails (or the breaker is open) reads go to the source. A change whose tombstone
 * could not be written may leave the old value in Redis, so this node then leaves Redis alone
 * (reads and writes) until it has written those tombstones after all: it remembers up to
 * {@link #MAX_LOST_KEYS} such keys and writes them on the first read that finds Redis back. With
 * more lost keys than that it leaves Redis alone for one entry time-to-live plus the longest load
 * it stores, by when whatever old value Redis may hold has expired. The node that acknowledged a
 * change thus never serves the replaced version; other nodes serve it at most ttl +
 * {@link #MAX_STORED_LOAD} + nearCacheTtl after a change whose invalidation was lost, and in
 * normal operation not after the message reached them.
 *
 * <p>Metrics: cache_requests_total{cache, result=near-hit|hit|miss}, cache_loads_seconds, the
 * near cache's Caffeine meters under cache=NAME-near, and {@link RedisCaches}' breaker state.
 */
public final class RedisCache<V> implements Cache<V> {
    /** A load slower than this is handed to its callers but not stored (its tombstone may have expired). */
    static final Duration MAX_STORED_LOAD = Duration.ofSeconds(5);
    /** Tombstones outlive any load that could still be stored. */
    static final Duration TOMBSTONE_TTL = MAX_STORED_LOAD.multipliedBy(2);
    /** Keys whose invalidation Redis missed that a node remembers, to write them when Redis is back. */
    static final int MAX_LOST_KEYS = 10_000;

    private static final byte VALUE = 'V';
    private static final byte ABSENT = 'N';
    private static final byte TOMBSTONE = 'T';
    private static final byte[] ABSENT_BYTES = {ABSENT};

    /** SET KEYS[1] ARGV[2] PX ARGV[3] only if KEYS[1] holds ARGV[1] (empty ARGV[1]: holds nothing). */
    private static final byte[] STORE_IF_UNCHANGED = """
            local current = redis.call('GET', KEYS[1])
            if (current == false and ARGV[1] == '') or current == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return 1
            end
            return 0
            """.getBytes(StandardCharsets.UTF_8);

    /** Tombstones every key (ARGV[1] for ARGV[2] ms), then publishes ARGV[4] on channel ARGV[3]. */
    private static final byte[] INVALIDATE = """
            for i, key in ipairs(KEYS) do
              redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
            end
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return #KEYS
            """.getBytes(StandardCharsets.UTF_8);

    private final String name;
    private final String prefix;
    private final RedisCaches redis;
    private final Codec<V> codec;
    private final CachePolicy policy;
    private final com.github.benmanes.caffeine.cache.Cache<String, Entry<V>> near;
    private final long nearTtlMillis;
    private final Flights<Optional<V>> flights = new Flights<>();
    private final LoadMeter loads;
    private final Counter nearHits;
    private final Counter hits;
    private final Counter misses;
    /** System.nanoTime() until which this node leaves Redis alone (after a lost invalidation). */
    private volatile long bypassUntil = System.nanoTime();
    /** Keys invalidated while Redis could not hear it (guarded by this); null when too many to keep. */
    private Set<String> lostKeys = new HashSet<>();

    RedisCache(String name, RedisCaches redis, Codec<V> codec, CachePolicy policy, int nearEntries, Duration nearTtl,
               MeterRegistry metrics) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.contains("\n") || name.contains(":")) {
            throw new IllegalArgumentException("a cache name has no ':' or newline: " + name);
        }
        this.prefix = "ladder:cache:" + name + ":";
        this.redis = Objects.requireNonNull(redis, "redis");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (nearEntries > 0 && !nearTtl.isZero()) {
            this.near = Caffeine.newBuilder()
                    .maximumSize(nearEntries)
                    // A near copy never outlives the shared entry's own (jittered) life by more than nearTtl.
                    .expireAfter(Entry.<V>expiry())
                    .recordStats()
                    .build();
            CaffeineCacheMetrics.monitor(metrics, near, name + "-near");
            this.nearTtlMillis = nearTtl.toMillis();
        } else {
            this.near = null;
            this.nearTtlMillis = 0;
        }
        this.loads = new LoadMeter(name, metrics);
        this.nearHits = requests(metrics, "near-hit");
        this.hits = requests(metrics, "hit");
        this.misses = requests(metrics, "miss");
    }

    private Counter requests(MeterRegistry metrics, String result) {
        return Counter.builder("cache.requests").description("Cache reads by where they were answered")
                .tags("cache", name, "result", result).register(metrics);
    }

    /** The key as Redis holds it. */
    byte[] redisKey(String key) {
        return (prefix + key).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<V> get(String key) {
        Entry<V> nearEntry = near == null ? null : near.getIfPresent(key);
        if (nearEntry != null) {
            nearHits.increment();
            return nearEntry.asOptional();
        }
        if (bypassing()) {
            misses.increment();
            return Optional.empty();
        }
        Optional<Entry<V>> shared = redis.call(jedis -> jedis.get(redisKey(key))).flatMap(this::decode);
        (shared.isPresent() ? hits : misses).increment();
        return shared.flatMap(Entry::asOptional);
    }

    @Override
    public Optional<V> get(String key, Function<String, Optional<V>> loader, Predicate<? super V> keep) {
        Entry<V> nearEntry = near == null ? null : near.getIfPresent(key);
        if (nearEntry != null) {
            nearHits.increment();
            return nearEntry.asOptional();
        }
        return flights.run(key, flight -> {
            Optional<Held> seen = bypassing() ? Optional.empty() : redis.call(jedis -> new Held(jedis.get(redisKey(key))));
            Optional<Entry<V>> shared = seen.flatMap(held -> decode(held.bytes()));
            if (shared.isPresent()) {
                hits.increment();
                storeNear(flight, key, shared.get());
                return shared.get().asOptional();
            }
            misses.increment();
            long started = System.nanoTime();
            Optional<V> loaded = loads.time(() -> loader.apply(key));
            boolean storable = loaded.isPresent() ? keep.test(loaded.get()) : policy.remembersAbsence();
            if (!storable) {
                return loaded;
            }
            long ttlMillis = policy.entryTtlMillis(loaded.isPresent());
            boolean quick = System.nanoTime() - started < MAX_STORED_LOAD.toNanos();
            if (seen.isPresent() && quick && !bypassing()) {
                byte[] expected = seen.get().bytes() == null ? new byte[0] : seen.get().bytes();
                byte[] stored = loaded.map(this::encode).orElse(ABSENT_BYTES);
                Optional<Object> swapped = redis.call(jedis -> jedis.eval(STORE_IF_UNCHANGED, List.of(redisKey(key)),
                        List.of(expected, stored, Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII))));
                if (swapped.isPresent() && Long.valueOf(0).equals(swapped.get())) {
                    return loaded; // the key changed during the load: what was read may be the replaced version
                }
            }
            storeNear(flight, key, new Entry<>(loaded.orElse(null), ttlMillis));
            return loaded;
        });
    }

    /** What a GET found in Redis: bytes, or null for nothing. */
    private record Held(byte[] bytes) {
    }

    private void storeNear(Flights.Flight<Optional<V>> flight, String key, Entry<V> entry) {
        if (near == null) {
            return;
        }
        Entry<V> nearEntry = new Entry<>(entry.value(), Math.min(nearTtlMillis, entry.ttlMillis()));
        flight.storeUnlessInvalidated(() -> near.put(key, nearEntry));
    }

    @Override
    public void put(String key, V value) {
        Objects.requireNonNull(value, "value");
        long ttlMillis = policy.entryTtlMillis(true);
        flights.invalidate(key);
        if (!bypassing()) {
            redis.run(jedis -> jedis.set(redisKey(key), encode(value), SetParams.setParams().px(ttlMillis)));
        }
        if (near != null) {
            near.put(key, new Entry<>(value, Math.min(nearTtlMillis, ttlMillis)));
        }
    }

    @Override
    public void invalidateAll(Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        // Redis first: a load that starts on this node once the local copies are gone must find the tombstones.
        if (!tellRedis(keys)) {
            lost(keys);
        }
        forgetHere(keys);
    }

    /** Tombstones keys in Redis and tells every node, in one script; false when Redis did not hear it. */
    private boolean tellRedis(Collection<String> keys) {
        byte[] tombstone = new byte[9];
        ThreadLocalRandom.current().nextBytes(tombstone);
        tombstone[0] = TOMBSTONE;
        List<byte[]> redisKeys = new ArrayList<>(keys.size());
        keys.forEach(key -> redisKeys.add(redisKey(key)));
        return redis.run(jedis -> jedis.eval(INVALIDATE, redisKeys, List.of(tombstone,
                Long.toString(TOMBSTONE_TTL.toMillis()).getBytes(StandardCharsets.US_ASCII),
                RedisCaches.CHANNEL.getBytes(StandardCharsets.UTF_8), RedisCaches.message(name, keys))));
    }

    /** Redis may still hold the replaced values of keys: leave it alone until they are tombstoned or expired. */
    private synchronized void lost(Collection<String> keys) {
        if (lostKeys != null && lostKeys.size() + keys.size() <= MAX_LOST_KEYS) {
            lostKeys.addAll(keys);
        } else {
            lostKeys = null; // too many to write later: wait until they have expired
        }
        bypassUntil = System.nanoTime() + policy.ttl().plus(MAX_STORED_LOAD).toNanos();
    }

    /** Writes the lost invalidations if Redis hears them now; true when nothing is left to write. */
    private synchronized boolean caughtUp() {
        if (System.nanoTime() - bypassUntil >= 0) {
            lostKeys = new HashSet<>(); // every value they could have left in Redis has expired
            return true;
        }
        if (lostKeys == null) {
            return false;
        }
        List<String> keys = List.copyOf(lostKeys);
        for (int from = 0; from < keys.size(); from += 500) {
            if (!tellRedis(keys.subList(from, Math.min(keys.size(), from + 500)))) {
                return false;
            }
        }
        lostKeys.clear();
        bypassUntil = System.nanoTime();
        return true;
    }

    /** Another node changed these keys (a pub/sub message). */
    void invalidatedElsewhere(List<String> keys) {
        forgetHere(keys);
    }

    private void forgetHere(Collection<String> keys) {
        for (String key : keys) {
            flights.invalidate(key);
            if (near != null) {
                near.invalidate(key);
            }
        }
    }

    void clearNear() {
        if (near != null) {
            near.invalidateAll();
        }
    }

    /** Whether this node leaves Redis alone now (see the class comment). */
    boolean bypassing() {
        return System.nanoTime() - bypassUntil < 0 && !caughtUp();
    }

    private byte[] encode(V value) {
        byte[] body = codec.encode(value);
        byte[] bytes = new byte[body.length + 1];
        bytes[0] = VALUE;
        System.arraycopy(body, 0, bytes, 1, body.length);
        return bytes;
    }

    /** An entry for what Redis holds; empty for nothing, a tombstone, or bytes this release cannot read. */
    private Optional<Entry<V>> decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return Optional.empty();
        }
        // The entry's remaining life in Redis is unknown here; the near copy lives nearCacheTtl at most.
        long ttlMillis = policy.ttl().toMillis();
        return switch (bytes[0]) {
            case ABSENT -> Optional.of(new Entry<>(null, policy.negativeTtl().toMillis()));
            case VALUE -> {
                try {
                    yield Optional.of(new Entry<>(codec.decode(Arrays.copyOfRange(bytes, 1, bytes.length)), ttlMillis));
                } catch (IllegalArgumentException e) {
                    yield Optional.empty();
                }
            }
            default -> Optional.empty();
        };
    }
}
