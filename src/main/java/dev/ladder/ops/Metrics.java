package dev.ladder.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/** The Prometheus registry with the JVM and process meters every node reports. */
public final class Metrics {
    /**
     * Bucket bounds of the request-time histogram ({@code http_server_requests_seconds_bucket}):
     * Prometheus computes each pool's p99 from them (the recording rule
     * {@code pool:http_server_requests_seconds:p99_rate1m}), and the p99 alert fires above 1 s. A
     * dozen fixed bounds rather than Micrometer's ~70 default ones: a series per bound, route and status.
     */
    static final Duration[] REQUEST_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private Metrics() {
    }

    public static PrometheusMeterRegistry create(String profile, int node) {
        return create(profile, Integer.toString(node));
    }

    /** node: the configured node.id, or "auto" (the leased id is the ladder_node_id gauge). */
    public static PrometheusMeterRegistry create(String profile, String node) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("profile", profile, "node", node);
        registry.config().meterFilter(requestHistogram());
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** Gives the {@code http.server.requests} timers histogram buckets (REQUEST_BUCKETS). */
    private static MeterFilter requestHistogram() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals("http.server.requests")) {
                    return config;
                }
                double[] bounds = new double[REQUEST_BUCKETS.length];
                for (int i = 0; i < bounds.length; i++) {
                    bounds[i] = REQUEST_BUCKETS[i].toNanos();
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(bounds).build().merge(config);
            }
        };
    }
}
