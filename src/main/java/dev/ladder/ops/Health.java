package dev.ladder.ops;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Liveness and readiness. Ready means: not draining, and the database answers. The database
 * check is cached for a second so a busy load balancer cannot turn health checks into load.
 */
public final class Health {
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    private final BooleanSupplier databaseReachable;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile long checkedAt;
    private volatile boolean lastCheck;

    public Health(BooleanSupplier databaseReachable) {
        this.databaseReachable = databaseReachable;
        this.checkedAt = System.nanoTime() - CHECK_EVERY_NANOS;
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

    public boolean isReady() {
        return !isDraining() && isDatabaseReachable();
    }
}
