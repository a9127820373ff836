package dev.ladder.cache;

import com.github.benmanes.caffeine.cache.Expiry;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A value, or the memory that there is none (value null), kept in a local cache for ttlMillis. */
record Entry<V>(V value, long ttlMillis) {
    Optional<V> asOptional() {
        return Optional.ofNullable(value);
    }

    boolean present() {
        return value != null;
    }

    /** Caffeine's view of an entry's own life: set when written, unchanged by reads. */
    static <V> Expiry<String, Entry<V>> expiry() {
        return new Expiry<>() {
            @Override
            public long expireAfterCreate(String key, Entry<V> entry, long currentTime) {
                return TimeUnit.MILLISECONDS.toNanos(entry.ttlMillis());
            }

            @Override
            public long expireAfterUpdate(String key, Entry<V> entry, long currentTime, long currentDuration) {
                return TimeUnit.MILLISECONDS.toNanos(entry.ttlMillis());
            }

            @Override
            public long expireAfterRead(String key, Entry<V> entry, long currentTime, long currentDuration) {
                return currentDuration;
            }
        };
    }
}
