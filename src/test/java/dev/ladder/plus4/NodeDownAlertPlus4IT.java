package dev.ladder.plus4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of an app node makes LadderNodeDown fire and reach Alertmanager's API within the rule's
 * window — its `for` plus one scrape and one evaluation interval (read from the running
 * Prometheus), plus an allowance for a loaded two-core machine — and the alert resolves once the
 * node is back. Prints the measured time.
 */
class NodeDownAlertPlus4IT {
    /** Time a busy machine may add (delivery to Alertmanager, a late scrape or evaluation). */
    private static final Duration LOADED_MACHINE_ALLOWANCE = Duration.ofSeconds(20);

    @Test
    void killingAReadNodeFiresLadderNodeDownInAlertmanagerWithinTheRulesWindow() throws Exception {
        Cluster.Status status = Cluster.status();
        Monitoring monitoring = new Monitoring(status);
        Cluster.Host victim = status.group("read_api").getLast();
        Duration window = window(monitoring);

        // Start from a node Prometheus sees up, with no alert about it.
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(monitoring.query("up{job=\"ladder\",instance=\"" + victim.name() + "\"} == 1")).hasSize(1);
            assertThat(firing(monitoring, victim.name())).isEmpty();
        });

        long killed = System.nanoTime();
        Drills.kill9(victim);
        try {
            JsonNode alert = await().atMost(window.plus(Duration.ofMinutes(2))).pollInterval(Duration.ofMillis(250))
                    .until(() -> firing(monitoring, victim.name()), alerts -> !alerts.isEmpty()).getFirst();
            Duration measured = Duration.ofNanos(System.nanoTime() - killed);
            System.out.printf("[alert] kill -9 %s -> LadderNodeDown in Alertmanager after %.1f s (rule window %d s: for + scrape + evaluation)%n",
                    victim.name(), measured.toMillis() / 1000.0, window.toSeconds());

            assertThat(alert.path("labels").path("severity").asText()).isEqualTo("page");
            assertThat(alert.path("labels").path("pool").asText()).isEqualTo("read_api");
            assertThat(alert.path("labels").path("job").asText()).isEqualTo("ladder");
            assertThat(alert.path("status").path("state").asText()).isEqualTo("active");
            assertThat(alert.path("annotations").path("summary").asText()).contains(victim.name());
            assertThat(measured).as("time from kill -9 to the alert in Alertmanager")
                    .isLessThanOrEqualTo(window.plus(LOADED_MACHINE_ALLOWANCE));
        } finally {
            Drills.up(victim.name());
        }

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(firing(monitoring, victim.name())).as("resolved once %s is back", victim.name()).isEmpty());
    }

    /** The rule's `for` plus one scrape interval and one evaluation interval, as the running Prometheus has them. */
    private static Duration window(Monitoring monitoring) throws Exception {
        double holdSeconds = -1;
        for (JsonNode group : monitoring.prometheus("/api/v1/rules?type=alert").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("name").asText().equals("LadderNodeDown")) {
                    holdSeconds = rule.path("duration").asDouble();
                }
            }
        }
        assertThat(holdSeconds).as("LadderNodeDown's for").isPositive();
        JsonNode global = Rules.YAML.readTree(monitoring.prometheus("/api/v1/status/config").path("yaml").asText()).path("global");
        Duration scrape = promDuration(global.path("scrape_interval").asText());
        Duration evaluation = promDuration(global.path("evaluation_interval").asText());
        return Duration.ofMillis((long) (holdSeconds * 1000)).plus(scrape).plus(evaluation);
    }

    private static Duration promDuration(String text) {
        assertThat(text).matches("\\d+[smh]");
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** LadderNodeDown alerts about the host that Alertmanager holds as firing (endsAt still ahead). */
    private static List<JsonNode> firing(Monitoring monitoring, String host) {
        String filter = URLEncoder.encode("alertname=\"LadderNodeDown\"", StandardCharsets.UTF_8);
        List<JsonNode> alerts = new ArrayList<>();
        Instant now = Instant.now();
        for (JsonNode alert : monitoring.alertmanager("/api/v2/alerts?filter=" + filter)) {
            if (alert.path("labels").path("instance").asText().equals(host)
                    && Instant.parse(alert.path("endsAt").asText()).isAfter(now)) {
                alerts.add(alert);
            }
        }
        return alerts;
    }
}
