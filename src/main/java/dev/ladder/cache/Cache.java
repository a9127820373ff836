package dev.ladder.cache;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A cache of values by string key. Capabilities depend on this interface only; a stage picks the
 * implementation in Main: {@link InProcessCache} (each node's memory) or {@link RedisCache} (one
 * Redis shared by every node, with a near cache in each). A cache may drop any entry at any time,
 * so callers always know how to rebuild a value.
 *
 * <p>Reads go through {@link #get(String, Function, Predicate)}: on a miss one caller per key and
 * node loads the value from the source of truth while the others wait for its result (single
 * flight); a value is kept for the cache's time-to-live, shortened by a random share (jitter) so
 * that entries filled together do not expire together; a load that found nothing is remembered as
 * absent for a short negative time-to-live. {@link #invalidate} is exact on the node that calls it:
 * once it returns, no read on this node returns the value it replaced, even one whose load was
 * under way meanwhile.
 */
public interface Cache<V> {
    /** The cached value only, never the source; an entry remembered as absent reads as empty. */
    Optional<V> get(String key);

    /**
     * The cached value, else loader's, which is then cached when keep accepts it (an empty load is
     * cached as absent). A failing loader's exception reaches every caller waiting for that load and
     * nothing is cached.
     */
    Optional<V> get(String key, Function<String, Optional<V>> loader, Predicate<? super V> keep);

    default Optional<V> get(String key, Function<String, Optional<V>> loader) {
        return get(key, loader, value -> true);
    }

    void put(String key, V value);

    /** Forgets key, so the next get misses and the caller reads the source of truth again. */
    default void invalidate(String key) {
        invalidateAll(List.of(key));
    }

    /** Forgets every key, in one round trip where the cache is remote. */
    void invalidateAll(Collection<String> keys);

    /** A cache that keeps nothing: every get misses (and every load-through loads). The "cache off" setting. */
    static <V> Cache<V> none() {
        return new Cache<>() {
            @Override
            public Optional<V> get(String key) {
                return Optional.empty();
            }

            @Override
            public Optional<V> get(String key, Function<String, Optional<V>> loader, Predicate<? super V> keep) {
                return loader.apply(key);
            }

            @Override
            public void put(String key, V value) {
            }

            @Override
            public void invalidateAll(Collection<String> keys) {
            }
        };
    }
}
