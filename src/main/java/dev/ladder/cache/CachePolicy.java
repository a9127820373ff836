package dev.ladder.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long entries live. A value lives ttl shortened by a random share of up to jitterPercent, so
 * values loaded together (a deploy, a Redis restart) do not all expire in the same second and
 * stampede the database; jitter only ever shortens, so ttl stays the bound on how old a cached
 * value can be. Absent entries ("no such post") live negativeTtl, jittered the same way (zero:
 * absence is not remembered), never longer than ttl.
 */
public record CachePolicy(Duration ttl, Duration negativeTtl, int jitterPercent) {
    public CachePolicy {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(negativeTtl, "negativeTtl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        if (negativeTtl.isNegative()) {
            throw new IllegalArgumentException("negativeTtl must not be negative, got " + negativeTtl);
        }
        if (jitterPercent < 0 || jitterPercent > 50) {
            throw new IllegalArgumentException("jitterPercent must be 0-50, got " + jitterPercent);
        }
        if (negativeTtl.compareTo(ttl) > 0) {
            negativeTtl = ttl;
        }
    }

    /** Values live ttl exactly; absence is not remembered. */
    public static CachePolicy of(Duration ttl) {
        return new CachePolicy(ttl, Duration.ZERO, 0);
    }

    public CachePolicy withTtl(Duration newTtl) {
        return new CachePolicy(newTtl, negativeTtl, jitterPercent);
    }

    /** Whether an empty load is remembered at all. */
    public boolean remembersAbsence() {
        return !negativeTtl.isZero();
    }

    /** The life of one new entry, in milliseconds: between (1 - jitter) x base and base, at least 1. */
    public long entryTtlMillis(boolean present) {
        long base = (present ? ttl : negativeTtl).toMillis();
        long spread = base * jitterPercent / 100;
        long cut = spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(spread + 1);
        return Math.max(1, base - cut);
    }
}
