package dev.ladder.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic clean-up (expired sessions, uploads and idempotency keys, requeues, old dead letters),
 * one task at a time on one daemon thread, on nodes with the worker role only: with several nodes
 * the same sweep on every web node is only contention. Each task is idempotent and works in
 * bounded batches, so two workers sweeping at once is harmless. Runs are counted in
 * ladder_housekeeping_runs_total{task, outcome}.
 */
public final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
    private static final Duration FIRST_RUN = Duration.ofMinutes(1);

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("housekeeping").daemon().factory());
    private final MeterRegistry metrics;

    public Housekeeping(MeterRegistry metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Runs task every interval (the first run a minute after start-up); a failure is logged and retried next time. */
    public Housekeeping every(Duration interval, String task, Runnable work) {
        Counter succeeded = runs(task, "success");
        Counter failed = runs(task, "failure");
        executor.scheduleWithFixedDelay(() -> {
            try {
                work.run();
                succeeded.increment();
            } catch (RuntimeException e) {
                failed.increment();
                log.warn("Housekeeping task {} failed: {}", task, e.toString());
            }
        }, Math.min(FIRST_RUN.toMillis(), interval.toMillis()), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private Counter runs(String task, String outcome) {
        return Counter.builder("ladder.housekeeping.runs").description("Housekeeping runs by task and outcome")
                .tags("task", task, "outcome", outcome).register(metrics);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
