package dev.ladder.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The request timers carry the histogram buckets Prometheus' p99 recording rule reads; other timers do not. */
class MetricsTest {
    @Test
    void requestTimersExposeTheFixedBucketsAndOtherTimersNone() {
        PrometheusMeterRegistry registry = Metrics.create("test", 7);
        Timer.builder("http.server.requests").tags("method", "GET", "status", "200", "uri", "/api/posts")
                .register(registry).record(Duration.ofMillis(300));
        Timer.builder("ladder.jobs.processing").register(registry).record(Duration.ofMillis(300));

        String scrape = registry.scrape();

        assertThat(scrape.lines().filter(line -> line.startsWith("http_server_requests_seconds_bucket{")))
                .hasSize(Metrics.REQUEST_BUCKETS.length + 1)
                .anySatisfy(line -> assertThat(line).contains("le=\"0.25\"").endsWith(" 0"))
                .anySatisfy(line -> assertThat(line).contains("le=\"0.5\"").endsWith(" 1"))
                .anySatisfy(line -> assertThat(line).contains("le=\"+Inf\"").endsWith(" 1"))
                .allSatisfy(line -> assertThat(line).contains("node=\"7\""));
        assertThat(scrape).doesNotContain("ladder_jobs_processing_seconds_bucket");
    }
}
