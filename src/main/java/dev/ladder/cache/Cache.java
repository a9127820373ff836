package dev.ladder.cache;

import java.util.Optional;

/**
 * A cache of values by string key. Capabilities depend on this interface only; a stage picks the
 * implementation in Main (in-process now; Redis when the app tier goes stateless). A cache may
 * drop any entry at any time, so callers always know how to rebuild a value.
 */
public interface Cache<V> {
    Optional<V> get(String key);

    void put(String key, V value);

    /** Forgets key, so the next get misses and the caller reads the source of truth again. */
    void invalidate(String key);

    /** A cache that keeps nothing: every get misses. The "cache off" setting. */
    static <V> Cache<V> none() {
        return new Cache<>() {
            @Override
            public Optional<V> get(String key) {
                return Optional.empty();
            }

            @Override
            public void put(String key, V value) {
            }

            @Override
            public void invalidate(String key) {
            }
        };
    }
}
