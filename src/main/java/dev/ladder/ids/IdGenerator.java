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

    private final LongSupplier clock;
    private final LongSupplier nanoTime;
    /** The node id in use, or -1 while a leased generator holds no lease. */
    private long node;
    /** A leased id may be used until this System.nanoTime() (exclusive); a configured one always. */
    private long validUntilNanos;
    private boolean forever;
    /** Ids carry milliseconds below this (the expiry the lease row says; Long.MAX_VALUE for a configured id). */
    private long ceilingMillis = Long.MAX_VALUE;
    private long lastMillis = -1;
    private long sequence;

    /** A configured node id: used for as long as the node lives. */
    public IdGenerator(int node) {
        this(node, System::currentTimeMillis);
    }

    public IdGenerator(int node, LongSupplier clock) {
        this(clock, System::nanoTime);
        checkNode(node);
        this.node = node;
        this.forever = true;
    }

    private IdGenerator(LongSupplier clock, LongSupplier nanoTime) {
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.node = -1;
    }

    /**
     * A generator whose node id comes from a lease ({@link NodeIdLease}): it mints nothing
     * (throws {@link NodeIdUnavailableException}) until {@link #grant} and after the grant runs out.
     */
    public static IdGenerator leased() {
        return leased(System::currentTimeMillis, System::nanoTime);
    }

    static IdGenerator leased(LongSupplier clock, LongSupplier nanoTime) {
        return new IdGenerator(clock, nanoTime);
    }

    private static void checkNode(int node) {
        if (node < 0 || node > MAX_NODE) {
            throw new IllegalArgumentException("node id must be 0-" + MAX_NODE + ", got " + node);
        }
    }

    /**
     * Uses node id {@code node} until System.nanoTime() reaches validUntilNanos, for ids whose
     * milliseconds lie in [floorMillis, ceilingMillis): floorMillis is where the previous holder of
     * the id stopped (its lease's expiry), so ids stay unique whatever the two nodes' clocks say.
     * Renewing the same id later only moves the limits on.
     */
    public synchronized void grant(int node, long floorMillis, long ceilingMillis, long validUntilNanos) {
        checkNode(node);
        if (forever) {
            throw new IllegalStateException("a configured node id is not leased");
        }
        this.node = node;
        raiseFloor(floorMillis);
        this.ceilingMillis = ceilingMillis;
        this.validUntilNanos = validUntilNanos;
    }

    /** Stops minting at once (the lease is lost or being released). */
    public synchronized void revoke() {
        if (!forever) {
            node = -1;
        }
    }

    /** A configured id taking over a row another node leased: never mint below where that lease could have reached. */
    public synchronized void raiseFloor(long floorMillis) {
        if (floorMillis > lastMillis) {
            // The next id carries floorMillis with sequence 1 or a later millisecond: none below the floor.
            lastMillis = floorMillis;
            sequence = 0;
        }
    }

    /** Whether {@link #next} would mint now. */
    public synchronized boolean canMint() {
        return holds() && Math.max(clock.getAsLong(), lastMillis) < ceilingMillis;
    }

    /** The node id in use; -1 when none is held. */
    public synchronized int node() {
        return holds() ? (int) node : -1;
    }

    /** The highest millisecond an id has carried so far (or the floor granted); -1 before any. */
    public synchronized long lastMillis() {
        return lastMillis;
    }

    private boolean holds() {
        return node >= 0 && (forever || nanoTime.getAsLong() - validUntilNanos < 0);
    }

    public synchronized long next() {
        if (!holds()) {
            throw new NodeIdUnavailableException(node < 0 ? "this node holds no node id lease"
                    : "this node's id lease could not be renewed in time");
        }
        long now = clock.getAsLong();
        // A clock that steps back must not produce duplicates: keep counting on the last millisecond.
        if (now < lastMillis) {
            now = lastMillis;
        }
        long nextSequence = 0;
        if (now == lastMillis) {
            nextSequence = (sequence + 1) & MAX_SEQUENCE;
            if (nextSequence == 0) {
                now = lastMillis + 1; // borrow the next millisecond rather than spin
            }
        }
        // Refused ids change nothing: the state moves on only with an id handed out.
        if (now >= ceilingMillis) {
            throw new NodeIdUnavailableException("this node's id lease ends before " + Instant.ofEpochMilli(now));
        }
        long elapsed = now - EPOCH;
        if (elapsed < 0 || elapsed >= (1L << 41)) {
            throw new IllegalStateException("clock is outside the id range: " + Instant.ofEpochMilli(now));
        }
        lastMillis = now;
        sequence = nextSequence;
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
