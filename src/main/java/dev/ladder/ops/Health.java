package dev.ladder.ops;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Liveness and readiness. Ready means: started (every part of the node runs), not draining, the
 * database answers, and every {@link #require requirement} holds (the node id lease; with sessions
 * in Redis, Redis reached since start-up). The database
 * check is cached for a second so a busy load balancer cannot turn health checks into load.
 * The shared cache is reported (up or degraded) but never makes a node unready: without it
 * reads go to the database.
 */
public final class Health {
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;
    /**
     * The requirement of a node whose sessions live in Redis: Redis reached since start-up (no
     * Sentinel may have answered yet). Once met it stays met; a later Redis outage is the session
     * store's 503s, so a Redis failover never takes every node out of the balancer.
     */
    public static final String SESSIONS = "sessions";

    private final BooleanSupplier databaseReachable;
    private final BooleanSupplier cacheHealthy;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final java.util.Map<String, BooleanSupplier> requirements = new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile long checkedAt;
    private volatile boolean lastCheck;

    public Health(BooleanSupplier databaseReachable) {
        this(databaseReachable, () -> true);
    }

    /** cacheHealthy: whether the shared cache works (a cheap check: the breaker's state). */
    public Health(BooleanSupplier databaseReachable, BooleanSupplier cacheHealthy) {
        this.databaseReachable = databaseReachable;
        this.cacheHealthy = cacheHealthy;
        this.checkedAt = System.nanoTime() - CHECK_EVERY_NANOS;
    }

    /** Start-up is over: every part of the node runs. Not ready before. */
    public void markStarted() {
        started.set(true);
    }

    public boolean isStarted() {
        return started.get();
    }

    /** One more thing the node needs to serve (a cheap check), named in the readiness answer. */
    public void require(String name, BooleanSupplier check) {
        requirements.put(name, check);
    }

    /** The requirements that fail now, by name. */
    public java.util.List<String> unmet() {
        return requirements.entrySet().stream().filter(entry -> !entry.getValue().getAsBoolean()).map(java.util.Map.Entry::getKey).toList();
    }

    public void startDraining() {
        draining.set(true);
    }

    public boolean isDraining() {
        return draining.get();
    }

    public synchronized boolean isDatabaseReachable() {
        long now = System.nanoTime();
        if (now - checkedAt >= CHECK_EVERY_NANOS) {
            lastCheck = databaseReachable.getAsBoolean();
            checkedAt = System.nanoTime();
        }
        return lastCheck;
    }

    /** "up", or "degraded" while the shared cache cannot be used (reads then go to the database). */
    public String cacheStatus() {
        return cacheHealthy.getAsBoolean() ? "up" : "degraded";
    }

    public boolean isReady() {
        return isStarted() && !isDraining() && isDatabaseReachable() && unmet().isEmpty();
    }
}
