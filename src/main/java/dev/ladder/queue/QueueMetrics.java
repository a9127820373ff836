package dev.ladder.queue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue's depth as gauges: ladder.queue.depth{state=waiting|in_flight|dead} and the age of the
 * oldest waiting job. Read from the queue at most once per refresh period however often metrics
 * are scraped, so scraping never turns into load on the database or SQS.
 */
public final class QueueMetrics {
    private static final Logger log = LoggerFactory.getLogger(QueueMetrics.class);

    private final JobQueue queue;
    private final long refreshNanos;
    private QueueDepth last;
    private long readAt;

    private QueueMetrics(JobQueue queue, Duration refresh) {
        this.queue = queue;
        this.refreshNanos = refresh.toNanos();
    }

    public static void bind(JobQueue queue, MeterRegistry registry, Duration refresh) {
        QueueMetrics metrics = new QueueMetrics(queue, refresh);
        metrics.gauge(registry, "ladder.queue.depth", "waiting", "Jobs waiting to be delivered", depth -> depth.waiting());
        metrics.gauge(registry, "ladder.queue.depth", "in_flight", "Jobs held by workers or waiting out a retry backoff", depth -> depth.inFlight());
        metrics.gauge(registry, "ladder.queue.depth", "dead", "Jobs in the dead-letter queue", depth -> depth.deadLetters());
        Gauge.builder("ladder.queue.oldest.age", metrics, self -> self.read(
                        depth -> depth.oldestWaiting().map(age -> age.toMillis() / 1000.0).orElse(Double.NaN)))
                .description("Age of the oldest waiting job, in seconds (NaN where the queue cannot tell)")
                .baseUnit("seconds")
                .tag("queue", queue.name())
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String state, String description, ToDoubleFunction<QueueDepth> value) {
        Gauge.builder(name, this, self -> self.read(value))
                .description(description)
                .tag("queue", queue.name())
                .tag("state", state)
                .register(registry);
    }

    private synchronized double read(ToDoubleFunction<QueueDepth> value) {
        long now = System.nanoTime();
        if (last == null || now - readAt >= refreshNanos) {
            try {
                last = queue.depth();
            } catch (RuntimeException e) {
                log.debug("Could not read the depth of queue {}: {}", queue.name(), e.toString());
                last = null;
            }
            readAt = now;
        }
        return last == null ? Double.NaN : value.applyAsDouble(last);
    }
}
