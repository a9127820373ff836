package dev.ladder.plus4;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.cluster.Cluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The prometheus role's rules as promtool sees them (Debian's prometheus package; scripts/test and
 * scripts/cluster install it): the files are valid, their unit tests pass, every alert the design
 * asks for is there with a severity and a unit test that makes it fire.
 */
class PrometheusRulesTest {
    private static final List<String> ALERTS = List.of("LadderHigh5xxRate", "LadderHighP99Latency", "LadderNodeDown",
            "ScrapeTargetDown", "MariaDBReplicaLag", "MariaDBReplicationStopped", "LadderQueueOldestJobAge",
            "HostDiskAlmostFull", "HostDiskFillingUp");

    @Test
    void promtoolChecksTheRuleFiles() {
        Cluster.Result check = promtool("check", "rules", Rules.RECORDING.toString(), Rules.ALERTS.toString());

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 6 rules found", "SUCCESS: 9 rules found");
    }

    @Test
    void thePromtoolUnitTestsPass() {
        Cluster.Result test = promtool("test", "rules", Rules.UNIT_TESTS.toString());

        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertTheDesignAsksForIsThereWithASeverityAndFiresInAUnitTest() throws IOException {
        List<JsonNode> alerts = Rules.rules(Rules.ALERTS).stream().filter(rule -> rule.has("alert")).toList();
        assertThat(alerts).extracting(rule -> rule.path("alert").asText()).containsExactlyInAnyOrderElementsOf(ALERTS);
        assertThat(alerts).allSatisfy(rule -> {
            assertThat(rule.path("labels").path("severity").asText()).as(rule.path("alert").asText()).isIn("page", "ticket");
            assertThat(rule.path("for").asText()).as("%s waits before firing", rule.path("alert").asText()).isNotEmpty();
            assertThat(rule.path("annotations").path("summary").asText()).isNotEmpty();
        });

        Set<String> fired = new HashSet<>();
        for (JsonNode test : Rules.YAML.readTree(Rules.UNIT_TESTS.toFile()).path("tests")) {
            for (JsonNode alertTest : test.path("alert_rule_test")) {
                if (!alertTest.path("exp_alerts").isEmpty()) {
                    fired.add(alertTest.path("alertname").asText());
                }
            }
        }
        assertThat(fired).as("alerts a unit test makes fire").containsExactlyInAnyOrderElementsOf(ALERTS);
    }

    @Test
    void theRoleDeploysEveryRuleFileAndTheRulesReadOnlyRecordedOrScrapedSeries() throws IOException {
        JsonNode defaults = Rules.YAML.readTree(Rules.FILES.resolveSibling("defaults/main.yml").toFile());
        List<String> deployed = Rules.YAML.convertValue(defaults.path("prometheus_rule_files"),
                Rules.YAML.getTypeFactory().constructCollectionType(List.class, String.class));
        try (Stream<Path> files = Files.list(Rules.FILES.resolve("rules"))) {
            assertThat(files.map(file -> file.getFileName().toString()).toList()).containsExactlyInAnyOrderElementsOf(deployed);
        }

        List<String> recorded = Rules.names(Rules.RECORDING, "record");
        for (Path file : List.of(Rules.RECORDING, Rules.ALERTS)) {
            for (JsonNode rule : Rules.rules(file)) {
                for (String name : PromQl.seriesNames(rule.path("expr").asText())) {
                    if (PromQl.isRecorded(name)) {
                        assertThat(recorded).as("%s reads %s", rule, name).contains(name);
                    }
                }
            }
        }
    }

    static Cluster.Result promtool(String... args) {
        return Cluster.run(Stream.concat(Stream.of("promtool"), Stream.of(args)).toList(), Duration.ofMinutes(2));
    }

    static Path writeTemporary(String prefix, String content) throws IOException {
        Path file = Files.createTempFile(prefix, ".yml");
        Files.writeString(file, content);
        return file;
    }
}
