package dev.ladder.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ladder.testing.Commands;
import dev.ladder.testing.Commands.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The host-side files of the app and common roles, rendered by the roles' own tasks (ansible-playbook
 * on localhost, into a folder of the test's) and checked the way the hosts would read them:
 * the node's systemd unit (memory limit, heap sized from it, SIGTERM drain, restart on failure) and
 * the synthetic check's service and timer, parsed here and given to {@code systemd-analyze verify}
 * (which names every setting it cannot parse); the CloudWatch agent's configuration, checked
 * against the log groups ansible/aws creates and the files the app writes. That the node drains
 * and exits 0 on SIGTERM is ShutdownIT's; systemd here has no PID 1 to run the units under.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostRolesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path repo = Path.of("").toAbsolutePath();
    private final Path work = repo.resolve("target/host-roles-it");
    private final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @BeforeAll
    void tools() throws Exception {
        assertThat(Commands.run(List.of("sh", "-c", "command -v ansible-playbook"), Duration.ofSeconds(10)).exitCode())
                .as("ansible-playbook is missing: scripts/test installs it (ladder_apt_ensure ansible)").isZero();
        deleteTree(work);
        Files.createDirectories(work);
    }

    // ---- the node's unit ---------------------------------------------------------------------------

    @Test
    void theNodesUnitLimitsMemorySizesTheHeapFromItDrainsOnSigtermAndRestartsOnFailure() throws Exception {
        Path units = renderUnits("defaults", Map.of());
        Map<String, Map<String, List<String>>> unit = parseUnit(units.resolve("ladder.service"));
        Map<String, List<String>> service = unit.get("Service");

        assertThat(service.get("MemoryMax")).containsExactly("1024M");
        assertThat(service.get("MemoryHigh")).containsExactly("921M");
        assertThat(service.get("MemorySwapMax")).containsExactly("0");
        List<String> command = List.of(service.get("ExecStart").getFirst().split(" "));
        assertThat(command.getFirst()).isEqualTo(javaBin);
        assertThat(command).as("the heap: 60% of MemoryMax, before -jar").contains("-Xmx614m")
                .filteredOn(argument -> argument.startsWith("-Xmx")).hasSize(1);
        assertThat(command.indexOf("-Xmx614m")).isLessThan(command.indexOf("-jar"));
        assertThat(command).contains("-Dladder.logDir=/var/log/ladder");

        assertThat(service.get("KillSignal")).containsExactly("SIGTERM");
        assertThat(service.get("KillMode")).containsExactly("mixed");
        assertThat(service.get("TimeoutStopSec")).containsExactly("40");
        assertThat(service.get("SuccessExitStatus")).containsExactly("143");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(service.get("RestartSec")).containsExactly("5");
        assertThat(unit.get("Unit").get("StartLimitBurst")).containsExactly("5");
        assertThat(service.get("ReadWritePaths").getFirst().split(" "))
                .containsExactly("/opt/ladder", "/opt/ladder/data", "/var/log/ladder");
        assertThat(unit.get("Install").get("WantedBy")).containsExactly("multi-user.target");
        assertSystemdAccepts(units.resolve("ladder.service"));
    }

    @Test
    void theHeapFollowsTheLimitAndNoLimitMeansNoHeapFromIt() throws Exception {
        Map<String, List<String>> bigger = parseUnit(renderUnits("bigger", Map.of("app_memory_max_mb", 2048, "app_heap_percent", 50))
                .resolve("ladder.service")).get("Service");
        assertThat(bigger.get("MemoryMax")).containsExactly("2048M");
        assertThat(bigger.get("MemoryHigh")).containsExactly("1843M");
        assertThat(bigger.get("ExecStart").getFirst()).contains(" -Xmx1024m ");

        Path unlimited = renderUnits("unlimited", Map.of("app_memory_max_mb", 0, "app_java_opts", List.of("-Xmx300m")));
        Map<String, List<String>> service = parseUnit(unlimited.resolve("ladder.service")).get("Service");
        assertThat(service).doesNotContainKeys("MemoryMax", "MemoryHigh");
        assertThat(service.get("ExecStart").getFirst()).contains(" -Xmx300m ").doesNotContain("-Xmx614m");
        assertSystemdAccepts(unlimited.resolve("ladder.service"));
    }

    @Test
    void anXmxBesideAMemoryLimitIsRefused() throws Exception {
        Run refused = renderUnitsRun("xmx", Map.of("app_java_opts", List.of("-Xmx2g")));
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("no -Xmx in app_java_opts");
        assertThat(work.resolve("xmx/units/ladder.service")).doesNotExist();
    }

    // ---- the synthetic check's timer -------------------------------------------------------------

    @Test
    void theSyntheticCheckRunsOnATimerAgainstTheGivenUrl() throws Exception {
        Path units = renderUnits("synthetic", Map.of("app_synthetic_enabled", true, "app_synthetic_url", "https://www.ladder.example",
                "app_synthetic_interval", "2min"));
        Map<String, Map<String, List<String>>> timer = parseUnit(units.resolve("ladder-synthetic.timer"));
        assertThat(timer.get("Timer").get("OnUnitActiveSec")).containsExactly("2min");
        assertThat(timer.get("Timer").get("Unit")).containsExactly("ladder-synthetic.service");
        assertThat(timer.get("Install").get("WantedBy")).containsExactly("timers.target");
        Map<String, List<String>> service = parseUnit(units.resolve("ladder-synthetic.service")).get("Service");
        assertThat(service.get("Type")).containsExactly("oneshot");
        assertThat(service.get("ExecStart").getFirst()).startsWith(javaBin + " ")
                .endsWith(" -jar /opt/ladder/ladder.jar synthetic --url https://www.ladder.example --timeout 10s");
        assertSystemdAccepts(units.resolve("ladder-synthetic.service"), units.resolve("ladder-synthetic.timer"));

        assertThat(renderUnits("no-synthetic", Map.of()).resolve("ladder-synthetic.timer")).as("off by default").doesNotExist();
        Run noUrl = renderUnitsRun("synthetic-no-url", Map.of("app_synthetic_enabled", true));
        assertThat(noUrl.exitCode()).as(noUrl.output()).isNotZero();
        assertThat(noUrl.output()).contains("app_synthetic_enabled needs app_synthetic_url");
    }

    // ---- the CloudWatch agent -------------------------------------------------------------------------

    @Test
    void theCloudWatchAgentShipsHostMetricsAndTheAppsLogFilesToTheLogGroupsTheAwsPlaybookCreates() throws Exception {
        JsonNode commonDefaults = YAML.readTree(repo.resolve("ansible/roles/common/defaults/main.yml").toFile());
        assertThat(commonDefaults.path("common_cloudwatch_agent_enabled").asBoolean(true)).as("off unless a host says so").isFalse();

        Path config = work.resolve("cloudwatch/amazon-cloudwatch-agent.json");
        Run rendered = playbook("cloudwatch", "common", "cloudwatch_agent.yml", Map.of(
                "common_cloudwatch_agent_install", false,
                "common_cloudwatch_agent_config", config.toString()));
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        JsonNode agent = JSON.readTree(config.toFile());

        JsonNode metrics = agent.path("metrics").path("metrics_collected");
        assertThat(fieldNames(metrics)).contains("mem", "disk", "cpu");
        assertThat(texts(metrics.path("mem").path("measurement"))).contains("mem_used_percent");
        assertThat(texts(metrics.path("disk").path("measurement"))).contains("used_percent");
        assertThat(texts(metrics.path("disk").path("resources"))).contains("/");
        assertThat(texts(metrics.path("cpu").path("measurement"))).contains("cpu_usage_active");
        assertThat(agent.path("metrics").path("append_dimensions").path("InstanceId").asText()).isEqualTo("${aws:InstanceId}");

        // The log groups: /<aws_name>/<each of aws_log_groups>, as ansible/aws/tasks/fleet.yml creates them.
        JsonNode aws = YAML.readTree(repo.resolve("ansible/aws/vars/main.yml").toFile());
        String prefix = "/" + aws.path("aws_name").asText();
        List<String> groups = texts(aws.path("aws_log_groups")).stream().map(group -> prefix + "/" + group).toList();
        assertThat(Files.readString(repo.resolve("ansible/aws/tasks/fleet.yml"))).contains("log_group_name: \"/{{ aws_name }}/{{ item }}\"");
        JsonNode files = agent.path("logs").path("logs_collected").path("files").path("collect_list");
        Map<String, String> fileToGroup = new LinkedHashMap<>();
        files.forEach(file -> fileToGroup.put(file.path("file_path").asText(), file.path("log_group_name").asText()));
        assertThat(fileToGroup).as("each app log file to its group, every group fed").isEqualTo(Map.of(
                "/var/log/ladder/app.log", prefix + "/app",
                "/var/log/ladder/access.log", prefix + "/access"));
        assertThat(fileToGroup.values()).containsExactlyInAnyOrderElementsOf(groups);
        files.forEach(file -> assertThat(file.path("log_stream_name").asText()).isEqualTo("{instance_id}"));

        // The files are the ones the app writes: logback.xml's names in the app role's log folder.
        String logback = Files.readString(repo.resolve("src/main/resources/logback.xml"));
        assertThat(logback).contains("<file>${ladder.logDir}/app.log</file>", "<file>${ladder.logDir}/access.log</file>");
        Path units = renderUnits("cloudwatch-units", Map.of());
        assertThat(parseUnit(units.resolve("ladder.service")).get("Service").get("ExecStart").getFirst())
                .contains("-Dladder.logDir=/var/log/ladder ");
        // And the instances may write there: the users-plus-4 instance role's policy.
        assertThat(Files.readString(repo.resolve("ansible/aws/templates/app-policy.json.j2")))
                .contains("logs:PutLogEvents", "logs:CreateLogStream", "cloudwatch:PutMetricData", "ec2:DescribeTags");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private Path renderUnits(String label, Map<String, Object> vars) throws Exception {
        Run run = renderUnitsRun(label, vars);
        assertThat(run.exitCode()).as(run.output()).isZero();
        return work.resolve(label).resolve("units");
    }

    private Run renderUnitsRun(String label, Map<String, Object> vars) throws Exception {
        Path units = work.resolve(label).resolve("units");
        Files.createDirectories(units);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("app_systemd_unit_dir", units.toString());
        all.put("app_systemd_manage", false);
        all.put("app_java", javaBin);
        all.put("app_node_name", "node1");
        all.putAll(vars);
        return playbook(label, "app", "units.yml", all);
    }

    /** One role's task file on localhost, with these variables. */
    private Run playbook(String label, String role, String tasks, Map<String, Object> vars) throws Exception {
        Path dir = work.resolve(label);
        Files.createDirectories(dir);
        Path varsFile = dir.resolve("vars.json");
        JSON.writeValue(varsFile.toFile(), vars);
        Path play = dir.resolve("play.yml");
        Files.writeString(play, """
                - name: Render %s/%s
                  hosts: localhost
                  connection: local
                  gather_facts: false
                  tasks:
                    - name: The role's tasks
                      ansible.builtin.include_role:
                        name: %s
                        tasks_from: %s
                """.formatted(role, tasks, role, tasks));
        ProcessBuilder builder = new ProcessBuilder("ansible-playbook", "-i", "localhost,", "-e", "@" + varsFile, play.toString())
                .directory(repo.resolve("ansible").toFile()).redirectErrorStream(true);
        builder.environment().put("ANSIBLE_CONFIG", repo.resolve("ansible/ansible.cfg").toString());
        builder.environment().put("ANSIBLE_NOCOLOR", "1");
        builder.environment().put("ANSIBLE_LOCAL_TEMP", dir.resolve("ansible-tmp").toString());
        builder.environment().put("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3");
        return Commands.run(builder, Duration.ofMinutes(3));
    }

    /** systemd's own reading of the files: exit 0 and nothing said (it warns, exit 0, of settings it ignores). */
    private static void assertSystemdAccepts(Path... files) throws Exception {
        if (Commands.run(List.of("sh", "-c", "command -v systemd-analyze"), Duration.ofSeconds(10)).exitCode() != 0) {
            System.err.println("HostRolesIT: no systemd-analyze here (Debian package systemd): the units were only parsed");
            return;
        }
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
        for (Path file : files) {
            command.add(file.toString());
        }
        Run verify = Commands.run(command, Duration.ofSeconds(60));
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output().strip()).as("systemd-analyze verify").isEmpty();
    }

    /** A unit file: section → key → values in order (a key may repeat); comments and blank lines skipped. */
    private static Map<String, Map<String, List<String>>> parseUnit(Path file) throws IOException {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), name -> new LinkedHashMap<>());
                continue;
            }
            int equals = line.indexOf('=');
            assertThat(current).as("%s: a setting before any section: %s", file, line).isNotNull();
            assertThat(equals).as("%s: not key=value: %s", file, line).isPositive();
            assertThat(line).as("%s: a continued line (the parse here would miss it)", file).doesNotEndWith("\\");
            current.computeIfAbsent(line.substring(0, equals).strip(), key -> new ArrayList<>()).add(line.substring(equals + 1).strip());
        }
        return sections;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
