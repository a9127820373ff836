package dev.ladder.plus4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import dev.ladder.testing.Api;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The monitoring stack of `scripts/cluster up users-plus-4`: status lists its groups; Prometheus
 * scrapes every app node, HAProxy and every exporter, holds the role's rules and sends to
 * Alertmanager; the exporters see the databases and Redis; with traffic the per-pool recording
 * rules produce series, and every series the Grafana dashboard reads exists.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringPlus4IT {
    private static final Map<String, Integer> GROUPS = Map.of("prometheus", 1, "alertmanager", 1, "node_exporter", 1,
            "mysqld_exporter", 4, "redis_exporter", 2);

    private static Cluster.Status status;
    private static Monitoring monitoring;

    @BeforeAll
    static void readStatus() {
        status = Cluster.status();
        monitoring = new Monitoring(status);
    }

    @Test
    @Order(1)
    void statusListsTheMonitoringGroupsUpWithTheirPorts() {
        assertThat(status.stage()).isEqualTo("users-plus-4");
        GROUPS.forEach((group, count) -> assertThat(status.group(group)).as(group).hasSize(count).allSatisfy(host -> {
            assertThat(host.up()).as("%s is up", host.name()).isTrue();
            assertThat(host.pid()).as("%s has a pid", host.name()).isPositive();
            assertThat(host.ports()).containsOnlyKeys("http");
        }));
        // users-plus-3's groups are all there too.
        assertThat(status.names("sentinel")).hasSize(3);
        assertThat(status.names("db_replica")).hasSize(2);
    }

    @Test
    @Order(2)
    void prometheusScrapesEveryAppNodeTheBalancerAndEveryExporter() {
        Set<String> expected = new HashSet<>();
        List.of("read_api", "write_api", "worker", "lb", "node_exporter", "mysqld_exporter", "redis_exporter",
                "prometheus", "alertmanager").forEach(group -> expected.addAll(status.names(group)));

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Map<String, String> health = new TreeMap<>();
            for (JsonNode target : monitoring.prometheus("/api/v1/targets?state=active").path("activeTargets")) {
                health.put(target.path("labels").path("instance").asText(),
                        target.path("health").asText() + " " + target.path("lastError").asText());
            }
            assertThat(health.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(health).allSatisfy((instance, state) -> assertThat(state).as(instance).startsWith("up"));
        });
        JsonNode ladder = monitoring.query("up{job=\"ladder\"}");
        Map<String, String> pools = new TreeMap<>();
        ladder.forEach(sample -> pools.put(sample.path("metric").path("instance").asText(), sample.path("metric").path("pool").asText()));
        status.group("read_api").forEach(host -> assertThat(pools).containsEntry(host.name(), "read_api"));
        status.group("write_api").forEach(host -> assertThat(pools).containsEntry(host.name(), "write_api"));
        status.group("worker").forEach(host -> assertThat(pools).containsEntry(host.name(), "worker"));
    }

    @Test
    @Order(3)
    void theRulesAreLoadedHealthyAndAlertsGoToAlertmanager() {
        Set<String> loaded = new HashSet<>();
        for (JsonNode group : monitoring.prometheus("/api/v1/rules").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                loaded.add(rule.path("name").asText());
                assertThat(rule.path("health").asText()).as("%s: %s", rule.path("name"), rule.path("lastError")).isNotEqualTo("err");
            }
        }
        assertThat(loaded).containsAll(Rules.names(Rules.RECORDING, "record")).containsAll(Rules.names(Rules.ALERTS, "alert"));

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(
                monitoring.prometheus("/api/v1/alertmanagers").path("activeAlertmanagers").findValuesAsText("url"))
                .anySatisfy(url -> assertThat(url).startsWith(monitoring.alertmanagerUri() + "/api/v2/alerts")));
        assertThat(monitoring.alertmanager("/api/v2/status").path("cluster").path("status").asText()).isIn("ready", "disabled");
    }

    @Test
    @Order(4)
    void theExportersSeeTheDatabasesRedisAndTheHost() {
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            assertThat(values("mysql_up")).containsOnlyKeys(status.names("mysqld_exporter")).allSatisfy((host, up) -> assertThat(up).isEqualTo(1.0));
            assertThat(values("redis_up")).containsOnlyKeys(status.names("redis_exporter")).allSatisfy((host, up) -> assertThat(up).isEqualTo(1.0));
            // The standby and both read replicas replicate; the primary does not.
            assertThat(values("mysql_slave_status_slave_sql_running")).hasSize(3).allSatisfy((host, running) -> assertThat(running).isEqualTo(1.0));
            assertThat(monitoring.query("node_filesystem_avail_bytes")).isNotEmpty();
            assertThat(monitoring.query("haproxy_server_status{proxy=\"read_api\",state=\"UP\"} == 1")).hasSize(status.names("read_api").size());
        });
    }

    @Test
    @Order(5)
    void withTrafficThePerPoolRecordingRulesAndEveryDashboardSeriesExist() {
        Api api = Drills.api(status);
        Set<String> names = new HashSet<>();
        Rules.dashboardQueries().forEach(query -> names.addAll(PromQl.seriesNames(query)));

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            for (int i = 0; i < 20; i++) {
                assertThat(api.get("/api/posts").status()).isEqualTo(200);
            }
            assertThat(pools("pool:http_server_requests:rate1m")).containsKey("read_api");
            assertThat(pools("pool:http_server_requests_5xx:ratio_rate1m")).containsKey("read_api");
            assertThat(pools("pool:http_server_requests_seconds:p99_rate1m")).containsKey("read_api");
            Set<String> present = new HashSet<>();
            monitoring.prometheus("/api/v1/label/__name__/values").forEach(name -> present.add(name.asText()));
            assertThat(present).as("series the dashboard reads").containsAll(names);
        });
        System.out.printf("[monitoring] requests per pool: %s, p99 per pool: %s%n",
                pools("pool:http_server_requests:rate1m"), pools("pool:http_server_requests_seconds:p99_rate1m"));
    }

    private static Map<String, Double> values(String promQl) {
        return samples(promQl, "instance");
    }

    private static Map<String, Double> pools(String promQl) {
        return samples(promQl, "pool");
    }

    private static Map<String, Double> samples(String promQl, String label) {
        JsonNode result = monitoring.query(promQl);
        Map<String, Double> values = new TreeMap<>();
        result.forEach(sample -> values.put(sample.path("metric").path(label).asText(),
                Double.parseDouble(sample.path("value").get(1).asText())));
        return values.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }
}
