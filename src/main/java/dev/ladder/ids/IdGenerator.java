package dev.ladder.ids;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * 64-bit, time-ordered ids made by the application (no database sequence, so shards and
 * federated databases never depend on one auto-increment). Layout, high to low:
 * 1 sign bit (always 0) | 41 bits of milliseconds since {@link #EPOCH} (about 69 years) |
 * 10 bits of node id | 12 bits of sequence within the millisecond (4096 ids/ms per node).
 * Ids of one node are strictly increasing; across nodes they are ordered to the millisecond.
 */
public final class IdGenerator {
    /** 2026-01-01T00:00:00Z. */
    public static final long EPOCH = 1_767_225_600_000L;
    static final int NODE_BITS = 10;
    static final int SEQUENCE_BITS = 12;
    static final long MAX_NODE = (1L << NODE_BITS) - 1;
    static final long MAX_SEQUENCE = (1L << SEQUENCE_BITS) - 1;

    private final long node;
    private final LongSupplier clock;
    private long lastMillis = -1;
    private long sequence;

    public IdGenerator(int node) {
        this(node, System::currentTimeMillis);
    }

    public IdGenerator(int node, LongSupplier clock) {
        if (node < 0 || node > MAX_NODE) {
            throw new IllegalArgumentException("node id must be 0-" + MAX_NODE + ", got " + node);
        }
        this.node = node;
        this.clock = clock;
    }

    public synchronized long next() {
        long now = clock.getAsLong();
        // A clock that steps back must not produce duplicates: keep counting on the last millisecond.
        if (now < lastMillis) {
            now = lastMillis;
        }
        if (now == lastMillis) {
            sequence = (sequence + 1) & MAX_SEQUENCE;
            if (sequence == 0) {
                now = lastMillis + 1; // borrow the next millisecond rather than spin
            }
        } else {
            sequence = 0;
        }
        lastMillis = now;
        long elapsed = now - EPOCH;
        if (elapsed < 0 || elapsed >= (1L << 41)) {
            throw new IllegalStateException("clock is outside the id range: " + Instant.ofEpochMilli(now));
        }
        return (elapsed << (NODE_BITS + SEQUENCE_BITS)) | (node << SEQUENCE_BITS) | sequence;
    }

    /** The millisecond an id was made in. */
    public static Instant timeOf(long id) {
        return Instant.ofEpochMilli((id >>> (NODE_BITS + SEQUENCE_BITS)) + EPOCH);
    }

    public static int nodeOf(long id) {
        return (int) ((id >>> SEQUENCE_BITS) & MAX_NODE);
    }

    /** Parses an id as it travels in URLs and JSON; empty when it is not a positive decimal long. */
    public static java.util.OptionalLong parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 19) {
            return java.util.OptionalLong.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return java.util.OptionalLong.empty();
            }
        }
        try {
            long value = Long.parseLong(text);
            return value > 0 ? java.util.OptionalLong.of(value) : java.util.OptionalLong.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }
}
