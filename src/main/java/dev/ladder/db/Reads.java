package dev.ladder.db;

import dev.ladder.ops.Breakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.extension.ExtensionCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a read runs, chosen by what it needs: services say {@link Freshness#FRESH} or
 * {@link Freshness#MAY_BE_STALE} on each read and never hold the pools themselves. Writes and
 * transactions do not come here: they use the primary's {@code Jdbi}.
 *
 * <p>A read that may be stale goes to the replica pool when there is one, with these rules:
 * <ul>
 * <li>when the calling client has written recently ({@link ReadYourWrites}), the replica
 *     connection first waits up to {@code readYourWritesWait} for the replica to apply that
 *     position ({@code MASTER_GTID_WAIT}); on the same connection, so the read runs on the replica
 *     that was checked even behind a load balancer. Not there in time: the read goes to the primary;
 * <li>a replica that cannot be reached in {@code connectionTimeout}, or fails the read, costs that
 *     read nothing but time: it runs again on the primary. Repeated failures open a circuit breaker
 *     (resilience4j) and reads go straight to the primary for a few seconds.
 * </ul>
 * With no replica configured every read is the primary's, exactly as before replicas existed.
 */
public final class Reads {
    private static final Logger log = LoggerFactory.getLogger(Reads.class);
    /**
     * Replicas are read-only. A server that is not (the primary, behind a balancer that falls back
     * to it when no replica is healthy) has no replica position to wait for: it is asked without a
     * wait, so the read goes to the primary at once instead of after readYourWritesWait.
     */
    private static final String WAIT = "SELECT MASTER_GTID_WAIT(:position, IF(@@global.read_only, :seconds, 0))";

    /** Why a read that may be stale went to the primary although there are replicas (a metric tag). */
    enum Fallback {
        BEHIND("behind"), UNAVAILABLE("unavailable"), ERROR("error"), BREAKER_OPEN("breaker-open");

        final String tag;

        Fallback(String tag) {
            this.tag = tag;
        }
    }

    private final Jdbi primary;
    private final Jdbi replica;
    private final Duration readYourWritesWait;
    private final CircuitBreaker breaker;
    private final Counter replicaReads;
    private final Map<Fallback, Counter> fallbacks = new EnumMap<>(Fallback.class);
    private final Timer waitsReached;
    private final Timer waitsTimedOut;

    private Reads(Jdbi primary, Jdbi replica, Duration readYourWritesWait, MeterRegistry metrics) {
        this.primary = Objects.requireNonNull(primary, "primary");
        this.replica = replica;
        this.readYourWritesWait = readYourWritesWait;
        if (replica == null) {
            this.breaker = null;
            this.replicaReads = null;
            this.waitsReached = null;
            this.waitsTimedOut = null;
            return;
        }
        this.breaker = Breakers.of("db-replica", Duration.ofSeconds(5), 2);
        this.replicaReads = Counter.builder("ladder.db.replica.reads")
                .description("Reads that may be stale, served by a replica")
                .register(metrics);
        for (Fallback reason : Fallback.values()) {
            fallbacks.put(reason, Counter.builder("ladder.db.replica.fallbacks")
                    .description("Reads that may be stale, served by the primary although replicas are configured")
                    .tag("reason", reason.tag)
                    .register(metrics));
        }
        this.waitsReached = waitTimer(metrics, "reached");
        this.waitsTimedOut = waitTimer(metrics, "timeout");
    }

    private static Timer waitTimer(MeterRegistry metrics, String outcome) {
        return Timer.builder("ladder.db.replica.gtid.waits")
                .description("MASTER_GTID_WAIT on a replica for a client's own writes, and how long it took")
                .tag("outcome", outcome)
                .register(metrics);
    }

    /** Every read on the primary: no replicas. */
    public static Reads primaryOnly(Jdbi primary) {
        return new Reads(primary, null, Duration.ZERO, null);
    }

    /** Reads that may be stale go to replica (waiting up to readYourWritesWait for a client's writes). */
    static Reads withReplica(Jdbi primary, Jdbi replica, Duration readYourWritesWait, MeterRegistry metrics) {
        return new Reads(primary, Objects.requireNonNull(replica, "replica"), readYourWritesWait, metrics);
    }

    /** Whether reads that may be stale have replicas to go to. */
    public boolean hasReplicas() {
        return replica != null;
    }

    /** Runs a read (which must not write) where its freshness allows. */
    public <R> R withHandle(Freshness freshness, HandleCallback<R, RuntimeException> read) {
        if (freshness == Freshness.FRESH || replica == null) {
            return primary.withHandle(read);
        }
        return mayBeStale(read);
    }

    /** {@link #withHandle} with a SqlObject attached. */
    public <R, E> R withExtension(Freshness freshness, Class<E> extensionType, ExtensionCallback<R, E, RuntimeException> read) {
        return withHandle(freshness, handle -> read.withExtension(handle.attach(extensionType)));
    }

    private <R> R mayBeStale(HandleCallback<R, RuntimeException> read) {
        Optional<GtidPosition> pending = ReadYourWrites.pending();
        if (pending.isPresent() && readYourWritesWait.isZero()) {
            return onPrimary(Fallback.BEHIND, read);
        }
        if (!breaker.tryAcquirePermission()) {
            return onPrimary(Fallback.BREAKER_OPEN, read);
        }
        long started = System.nanoTime();
        Handle handle;
        try {
            handle = replica.open();
        } catch (JdbiException e) {
            breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            log.debug("No replica connection; reading from the primary: {}", e.toString());
            return onPrimary(Fallback.UNAVAILABLE, read);
        }
        R result = null;
        boolean behind = false;
        try (handle) {
            behind = pending.isPresent() && !reached(handle, pending.get());
            if (!behind) {
                result = read.withHandle(handle);
            }
        } catch (JdbiException e) {
            breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            log.debug("A replica read failed; reading from the primary: {}", e.toString());
            return onPrimary(Fallback.ERROR, read); // the replica connection is back in its pool first
        } catch (RuntimeException | Error e) {
            // Not the replica's doing (a domain rule, say): the replica worked.
            breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            throw e;
        }
        breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS); // lagging is not failing
        if (behind) {
            return onPrimary(Fallback.BEHIND, read);
        }
        replicaReads.increment();
        return result;
    }

    /** Whether the replica behind this connection has applied position, after waiting up to readYourWritesWait. */
    private boolean reached(Handle handle, GtidPosition position) {
        long started = System.nanoTime();
        // 0: reached; -1: not within the wait; NULL: the position could not be waited for.
        boolean reached = handle.createQuery(WAIT)
                .bind("position", position.toString())
                .bind("seconds", readYourWritesWait.toNanos() / 1e9)
                .map((rows, context) -> rows.getInt(1) == 0 && !rows.wasNull())
                .one();
        (reached ? waitsReached : waitsTimedOut).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return reached;
    }

    private <R> R onPrimary(Fallback reason, HandleCallback<R, RuntimeException> read) {
        fallbacks.get(reason).increment();
        return primary.withHandle(read);
    }
}
