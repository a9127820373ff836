package dev.ladder.db;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica lag as this node sees it: every few seconds, Seconds_Behind_Master of SHOW REPLICA
 * STATUS through the replica pool (so behind a load balancer, of whichever replica answered), as
 * the gauge {@code ladder.db.replica.lag.seconds}. NaN when it cannot be known: the replica is
 * unreachable or not replicating, the server answering is not a replica (the primary, as the
 * balancer's backup), or the user lacks the SLAVE MONITOR privilege (said once in the log).
 */
final class ReplicaLag implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLag.class);
    static final Duration INTERVAL = Duration.ofSeconds(5);
    /** ER_SPECIFIC_ACCESS_DENIED_ERROR: SHOW REPLICA STATUS needs SLAVE MONITOR (or SUPER). */
    private static final int ACCESS_DENIED = 1227;

    private final Jdbi replica;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean warnedAboutPrivilege = new AtomicBoolean();
    private volatile double seconds = Double.NaN;

    ReplicaLag(Jdbi replica, MeterRegistry metrics) {
        this.replica = replica;
        Gauge.builder("ladder.db.replica.lag.seconds", this, lag -> lag.seconds)
                .description("Seconds_Behind_Master of a replica, sampled through the replica pool (NaN: unknown)")
                .baseUnit("seconds")
                .register(metrics);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("replica-lag").daemon().factory());
        timer.scheduleWithFixedDelay(this::sample, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The last sample, NaN when unknown. */
    double seconds() {
        return seconds;
    }

    void sample() {
        try {
            seconds = replica.withHandle(handle -> handle.createQuery("SHOW REPLICA STATUS")
                    .map((rows, context) -> {
                        long behind = rows.getLong("Seconds_Behind_Master");
                        return rows.wasNull() ? Optional.<Double>empty() : Optional.of((double) behind);
                    })
                    .findFirst()
                    .flatMap(behind -> behind))
                    .orElse(Double.NaN);
        } catch (JdbiException e) {
            seconds = Double.NaN;
            if (e.getCause() instanceof SQLException sql && sql.getErrorCode() == ACCESS_DENIED) {
                if (warnedAboutPrivilege.compareAndSet(false, true)) {
                    log.warn("Replica lag unknown: the database user may not run SHOW REPLICA STATUS (grant it SLAVE MONITOR)");
                }
                return;
            }
            log.debug("Replica lag not sampled: {}", e.toString());
        } catch (RuntimeException e) {
            seconds = Double.NaN;
            log.warn("Replica lag not sampled: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
