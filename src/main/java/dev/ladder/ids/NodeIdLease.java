package dev.ladder.ids;

import dev.ladder.db.SqlErrors;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node id as a lease row in the database (table node_id_leases, migration V6), so nodes an
 * autoscaling group starts never share one.
 *
 * <p>With {@code node.id: auto} the node takes the lowest id whose row is missing or expired (and
 * was never a configured node's), renews it every idLease/3, and may mint ids with it until
 * idLease - idLease/6 after it sent its last successful renewal (measured on its own monotonic
 * clock). A node that cannot renew in time stops minting ({@link NodeIdUnavailableException}:
 * writes answer 503) and keeps trying; a node that finds its row taken over (its lease had
 * expired) stops at once and takes another id. Another node may take an id only once its own
 * clock has passed the row's expires_at, and it mints from that millisecond on, while the holder
 * never mints one carrying it: two holders of one id never make the same id, even if their
 * clocks disagree. A clean stop releases the row (reusable at once).
 *
 * <p>With a configured id the lease only advertises it: the row is written and renewed so auto
 * nodes keep off it (for good: a configured id's row is never taken by an auto node), the
 * configured node always mints, and if it finds an auto node holding its id it takes the row
 * over (the configured id wins) and mints from the end of that node's lease on, while the auto
 * node moves to another id at its next renewal.
 */
public final class NodeIdLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeIdLease.class);
    static final String CONFIGURED = "configured:";
    /** Auto ids are 0-1022: 1023 is the seed command's (its rows' ids), never a server's. */
    static final int IDS = (int) IdGenerator.MAX_NODE;
    private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    private final Jdbi jdbi;
    private final IdGenerator ids;
    private final OptionalInt configured;
    private final String name;
    private final String holder;
    private final long ttlMillis;
    private final long usableNanos;
    private final long renewEveryNanos;
    private final int queryTimeoutSeconds;
    private final LongSupplier clock;
    private final LongSupplier nanoTime;
    private final Thread keeper;
    private volatile boolean closed;
    /** The id whose row this node holds, -1 for none. Guarded by this. */
    private int held = -1;
    /** The expires_at this node last wrote. Guarded by this. */
    private long ceiling;
    private boolean failing;

    NodeIdLease(Jdbi jdbi, IdGenerator ids, OptionalInt configured, String name, Duration ttl, LongSupplier clock,
                LongSupplier nanoTime) {
        this.jdbi = jdbi;
        this.ids = ids;
        this.configured = configured;
        this.name = name;
        this.holder = (configured.isPresent() ? CONFIGURED : "") + name + "/" + UUID.randomUUID();
        this.ttlMillis = ttl.toMillis();
        this.usableNanos = ttl.toNanos() - ttl.toNanos() / 6;
        this.renewEveryNanos = ttl.toNanos() / 3;
        this.queryTimeoutSeconds = (int) Math.max(1, ttl.toSeconds() / 6);
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.keeper = Thread.ofPlatform().daemon().name("node-id-lease").unstarted(this::keep);
    }

    /**
     * Takes (auto) or advertises (configured) the node id: one attempt now, so a node normally
     * starts holding it, then a thread that renews it and retries every second while it fails.
     * ids is {@link IdGenerator#leased()} for an auto id, the configured id's generator otherwise.
     */
    public static NodeIdLease start(Jdbi jdbi, IdGenerator ids, OptionalInt configured, String name, Duration ttl,
                                    MeterRegistry metrics) {
        NodeIdLease lease = new NodeIdLease(jdbi, ids, configured, name, ttl, System::currentTimeMillis, System::nanoTime);
        lease.attempt();
        lease.keeper.start();
        if (metrics != null) {
            Gauge.builder("ladder.node.id", ids, IdGenerator::node)
                    .description("The node id this node mints ids with (-1: none; writes answer 503)")
                    .register(metrics);
        }
        return lease;
    }

    /** The id this node may mint with now, or -1. */
    public int nodeId() {
        return ids.node();
    }

    private void keep() {
        boolean holding = held();
        while (!closed) {
            try {
                Thread.sleep(Duration.ofNanos(holding ? renewEveryNanos : RETRY_NANOS));
            } catch (InterruptedException e) {
                return;
            }
            holding = attempt();
        }
    }

    private synchronized boolean held() {
        return held >= 0;
    }

    /** One round (take, or renew); whether the row is held afterwards. Failures are logged, never thrown. */
    boolean attempt() {
        try {
            boolean holding = round();
            if (failing) {
                log.info("Node id lease: the database answers again; holding {}", held);
                failing = false;
            }
            return holding;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("Node id lease: cannot reach the database ({}); ids stop {} after the last renewal", e.toString(),
                        configured.isPresent() ? "never (configured id)" : Duration.ofNanos(usableNanos));
                failing = true;
            }
            return false;
        }
    }

    private synchronized boolean round() {
        if (closed) {
            return false;
        }
        if (held >= 0) {
            if (renew()) {
                return true;
            }
            if (configured.isEmpty()) {
                ids.revoke();
                log.warn("Node id lease: another node took id {} (this node's lease had expired); taking another", held);
            }
            held = -1;
        }
        return configured.isPresent() ? advertise(configured.getAsInt()) : acquire();
    }

    private boolean renew() {
        long now = clock.getAsLong();
        long sentAt = nanoTime.getAsLong();
        long expires = Math.max(now + ttlMillis, ceiling);
        int updated = jdbi.withHandle(handle -> handle.createUpdate("""
                        UPDATE node_id_leases SET expires_at = :expires, renewed_at = :now
                        WHERE node_id = :id AND holder = :holder""")
                .setQueryTimeout(queryTimeoutSeconds)
                .bind("expires", expires).bind("now", now).bind("id", held).bind("holder", holder)
                .execute());
        if (updated != 1) {
            return false;
        }
        ceiling = expires;
        if (configured.isEmpty()) {
            ids.grant(held, 0, expires, sentAt + usableNanos);
        }
        return true;
    }

    private record Row(int id, String holder, long expiresAt) {
    }

    /** The lowest id with no row, or with an expired row no configured node ever held. */
    private boolean acquire() {
        long now = clock.getAsLong();
        long sentAt = nanoTime.getAsLong();
        long expires = now + ttlMillis;
        return jdbi.withHandle(handle -> {
            Map<Integer, Row> rows = rows(handle);
            for (int id = 0; id < IDS; id++) {
                Row row = rows.get(id);
                if (row == null) {
                    if (insert(handle, id, now, expires)) {
                        return taken(id, 0, expires, sentAt, null);
                    }
                } else if (!row.holder().startsWith(CONFIGURED) && row.expiresAt() < now) {
                    if (takeOver(handle, row, now, expires)) {
                        return taken(id, row.expiresAt(), expires, sentAt, row);
                    }
                }
            }
            log.warn("Node id lease: all {} ids are leased or configured; retrying", IDS);
            return false;
        });
    }

    private boolean taken(int id, long floor, long expires, long sentAt, Row previous) {
        held = id;
        ceiling = expires;
        ids.grant(id, floor, expires, sentAt + usableNanos);
        log.info("Node id lease: this node is node {} ({})", id,
                previous == null ? "a fresh id" : "reclaimed from " + previous.holder() + ", expired");
        return true;
    }

    /** A configured id: write or renew its row; take it over from whoever has it (the configured id wins). */
    private boolean advertise(int id) {
        long now = clock.getAsLong();
        long expires = now + ttlMillis;
        return jdbi.withHandle(handle -> {
            Row row = rows(handle).get(id);
            if (row == null ? insert(handle, id, now, expires) : takeOver(handle, row, now, expires)) {
                held = id;
                ceiling = expires;
                if (row != null && !row.holder().startsWith(CONFIGURED)) {
                    // An auto node had it: mint from the end of its lease on; it moves away at its next renewal.
                    ids.raiseFloor(row.expiresAt());
                    if (row.expiresAt() >= now) {
                        log.warn("Node id lease: configured id {} was leased by {}; taking it over", id, row.holder());
                    }
                } else if (row != null && row.expiresAt() >= now && !row.holder().startsWith(CONFIGURED + name + "/")) {
                    // (a row of this node's own previous run, restarted within idLease, is no clash)
                    log.error("Node id lease: configured id {} is also configured on a live node ({}): two nodes share an id",
                            id, row.holder());
                }
                return true;
            }
            return false; // someone changed the row meanwhile: next round
        });
    }

    private Map<Integer, Row> rows(Handle handle) {
        Map<Integer, Row> rows = new HashMap<>();
        handle.createQuery("SELECT node_id, holder, expires_at FROM node_id_leases")
                .setQueryTimeout(queryTimeoutSeconds)
                .map((rs, ctx) -> new Row(rs.getInt(1), rs.getString(2), rs.getLong(3)))
                .forEach(row -> rows.put(row.id(), row));
        return rows;
    }

    private boolean insert(Handle handle, int id, long now, long expires) {
        try {
            handle.createUpdate("""
                            INSERT INTO node_id_leases (node_id, holder, holder_name, acquired_at, renewed_at, expires_at)
                            VALUES (:id, :holder, :name, :now, :now, :expires)""")
                    .setQueryTimeout(queryTimeoutSeconds)
                    .bind("id", id).bind("holder", holder).bind("name", name).bind("now", now).bind("expires", expires)
                    .execute();
            return true;
        } catch (RuntimeException e) {
            if (SqlErrors.isDuplicateKey(e)) {
                return false; // another node inserted it first
            }
            throw e;
        }
    }

    /** Compare-and-set on the row as read: fails if its holder renewed or someone else took it meanwhile. */
    private boolean takeOver(Handle handle, Row row, long now, long expires) {
        return handle.createUpdate("""
                        UPDATE node_id_leases SET holder = :holder, holder_name = :name, acquired_at = :now, renewed_at = :now,
                            expires_at = :expires
                        WHERE node_id = :id AND holder = :previous AND expires_at = :previousExpires""")
                .setQueryTimeout(queryTimeoutSeconds)
                .bind("holder", holder).bind("name", name).bind("now", now).bind("expires", Math.max(expires, row.expiresAt()))
                .bind("id", row.id()).bind("previous", row.holder()).bind("previousExpires", row.expiresAt())
                .execute() == 1;
    }

    /** Stops renewing; stops minting (auto) and releases the row so the id can be taken at once. */
    @Override
    public void close() {
        closed = true;
        keeper.interrupt();
        try {
            keeper.join(Duration.ofSeconds(queryTimeoutSeconds + 2L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (held < 0) {
                return;
            }
            ids.revoke();
            // The next holder mints from here on: past every id this node made (lastMillis), never past its lease.
            long end = Math.min(ceiling, ids.lastMillis() + 1);
            try {
                jdbi.useHandle(handle -> handle.createUpdate("""
                                UPDATE node_id_leases SET expires_at = :end WHERE node_id = :id AND holder = :holder""")
                        .setQueryTimeout(queryTimeoutSeconds)
                        .bind("end", end).bind("id", held).bind("holder", holder)
                        .execute());
                log.info("Node id lease: released id {}", held);
            } catch (RuntimeException e) {
                log.warn("Node id lease: could not release id {} ({}); it frees itself when the lease expires", held, e.toString());
            }
            held = -1;
        }
    }
}
