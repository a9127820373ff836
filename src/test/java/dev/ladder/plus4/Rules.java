package dev.ladder.plus4;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The prometheus role's rule files (ansible/roles/prometheus/files/rules) as the tests read them. */
final class Rules {
    static final Path FILES = Path.of("ansible/roles/prometheus/files").toAbsolutePath();
    static final Path RECORDING = FILES.resolve("rules/ladder-recording.yml");
    static final Path ALERTS = FILES.resolve("rules/ladder-alerts.yml");
    static final Path UNIT_TESTS = FILES.resolve("tests/ladder-rules.test.yml");
    static final Path DASHBOARD = Path.of("docs/grafana/ladder.json").toAbsolutePath();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private Rules() {
    }

    /** Every rule of a rule file (each has {@code record} or {@code alert}, and {@code expr}). */
    static List<JsonNode> rules(Path file) {
        List<JsonNode> rules = new ArrayList<>();
        try {
            for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
                group.path("rules").forEach(rules::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        return rules;
    }

    static List<String> names(Path file, String kind) {
        return rules(file).stream().filter(rule -> rule.has(kind)).map(rule -> rule.path(kind).asText()).toList();
    }

    /** Every query of the dashboard's panels (rows excluded). */
    static List<String> dashboardQueries() {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            panel.path("targets").forEach(target -> queries.add(target.path("expr").asText()));
        }
        return queries;
    }

    static JsonNode dashboard() {
        try {
            return JSON.readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DASHBOARD, e);
        }
    }
}
