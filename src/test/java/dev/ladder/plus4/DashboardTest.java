package dev.ladder.plus4;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.cluster.Cluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard (docs/grafana/ladder.json): valid JSON in Grafana's shape, a section for
 * the app, the load balancer and the database, every query valid PromQL (promtool parses each as a
 * recording rule) and naming only series the recording rules or the exporters produce.
 * MonitoringPlus4IT checks the same names against a running Prometheus.
 */
class DashboardTest {
    /** Prefixes of what is scraped: app nodes, HAProxy, the node, MariaDB and Redis exporters. */
    private static final List<String> SCRAPED = List.of("http_server_", "jvm_", "ladder_", "haproxy_", "node_",
            "mysql_", "redis_");

    @Test
    void itIsAGrafanaDashboardWithTheAppLoadBalancerAndDatabaseSections() {
        JsonNode dashboard = Rules.dashboard();

        assertThat(dashboard.path("uid").asText()).isNotEmpty();
        assertThat(dashboard.path("title").asText()).isEqualTo("Ladder");
        assertThat(dashboard.path("schemaVersion").asInt()).isPositive();
        List<String> rows = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
            assertThat(panel.path("gridPos").path("w").asInt()).isPositive();
            if (panel.path("type").asText().equals("row")) {
                rows.add(panel.path("title").asText());
                continue;
            }
            assertThat(panel.path("datasource").path("type").asText()).isEqualTo("prometheus");
            assertThat(panel.path("targets")).as("queries of %s", panel.path("title")).isNotEmpty();
            panel.path("targets").forEach(target -> assertThat(target.path("expr").asText()).isNotBlank());
        }
        assertThat(rows).anyMatch(row -> row.startsWith("App"))
                .anyMatch(row -> row.startsWith("Load balancer"))
                .anyMatch(row -> row.startsWith("Database"));
    }

    @Test
    void everyQueryIsValidPromQl() throws IOException {
        StringBuilder file = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        List<String> queries = Rules.dashboardQueries();
        for (int i = 0; i < queries.size(); i++) {
            file.append("      - record: dashboard:query").append(i).append('\n')
                    .append("        expr: ").append(Rules.JSON.writeValueAsString(queries.get(i))).append('\n');
        }
        Path rules = PrometheusRulesTest.writeTemporary("dashboard-queries", file.toString());
        try {
            Cluster.Result check = PrometheusRulesTest.promtool("check", "rules", rules.toString());
            assertThat(check.exitCode()).as(check.output() + "\n" + file).isZero();
        } finally {
            Files.deleteIfExists(rules);
        }
    }

    @Test
    void everyQueryNamesSeriesTheRulesOrTheExportersProduce() {
        List<String> recorded = Rules.names(Rules.RECORDING, "record");
        Map<String, Set<String>> names = new LinkedHashMap<>();
        Rules.dashboardQueries().forEach(query -> names.put(query, PromQl.seriesNames(query)));

        assertThat(names).allSatisfy((query, series) -> {
            assertThat(series).as("series of %s", query).isNotEmpty();
            assertThat(series).allSatisfy(name -> {
                if (PromQl.isRecorded(name)) {
                    assertThat(recorded).as("%s in %s", name, query).contains(name);
                } else {
                    assertThat(name.equals("up") || SCRAPED.stream().anyMatch(name::startsWith))
                            .as("%s in %s is scraped", name, query).isTrue();
                }
            });
        });
        // Every recording rule is on the dashboard.
        assertThat(names.values().stream().flatMap(Set::stream)).containsAll(recorded);
    }

    @Test
    void theScannerFindsSeriesNamesOnly() {
        assertThat(PromQl.seriesNames("sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[1m])) / on (instance) group_left node_load1 > 0.5 and up == 1"))
                .containsExactly("node_cpu_seconds_total", "node_load1", "up");
        assertThat(PromQl.seriesNames("histogram_quantile(0.99, sum by (pool, le) (rate(x_bucket{job=\"ladder\"}[1m])))"))
                .containsExactly("x_bucket");
    }
}
