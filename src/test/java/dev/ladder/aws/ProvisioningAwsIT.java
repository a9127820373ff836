package dev.ladder.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Every AWS stage playbook (ansible/aws) run through scripts/aws-provision against moto in server
 * mode: each stage in turn, the last one again (nothing may change but the emulator's documented
 * exceptions), assertions on what the emulator then holds, and the teardown, after which nothing
 * is left. The emulator's state is read through boto3 (emulator_state.py), the same library the
 * Ansible modules use; the assertions are here.
 *
 * <p>Runs in the users-plus-4 Maven profile only (it sets ladder.aws.it); the tests depend on each
 * other's order, as the stages do.
 */
@EnabledIfSystemProperty(named = "ladder.aws.it", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProvisioningAwsIT {
    private static final List<String> STAGES = List.of("single-box", "users-plus", "users-plus-2", "users-plus-3", "users-plus-4");
    private static final String WORLD = "0.0.0.0/0";
    /**
     * Tasks that report a change on a second run against moto (README, "On AWS", emulator
     * exceptions), with the reason. Two are the modules' own and happen on AWS as well.
     */
    private static final Map<String, String> NOT_IDEMPOTENT_HERE = Map.of(
            "Create the NAT gateway in the first public subnet",
            "moto files NAT gateway tags under resource type nat-gateway, not natgateway, so the module re-applies them",
            "Point the site's name at the load balancer",
            "moto lists an alias record with TTL 0, which AWS omits, so route53 never finds it equal and upserts it",
            "Put CloudFront in front of the bucket's public prefixes",
            "community.aws 5.5 compares its partial DistributionConfig with the full one returned (defaults such as"
                    + " TrustedKeyGroups, OriginShield, ConnectionAttempts), so it updates the distribution on every run",
            "Alarm on the 5xx rate (targets and load balancer, percent of requests)",
            "amazon.aws 5.5's cloudwatch_metric_alarm drops Metrics from the alarm it reads but not from the one it"
                    + " wants, so a metric-math alarm is put again on every run",
            "Alarm on backlog per worker, driving the step policies",
            "the same metric-math comparison as the 5xx alarm");

    private final Path repo = Path.of("").toAbsolutePath();
    private final Path work = repo.resolve("target/aws-it");
    private final Path motoVars = repo.resolve("src/test/resources/dev/ladder/aws/moto-vars.yml");
    private final ObjectMapper json = new ObjectMapper();
    private JsonNode vars;
    private JsonNode testVars;
    private Process moto;
    private String endpoint;
    private String certificateArn;
    /** What moto holds after users-plus-4 ran twice (read once, for all the assertions on it). */
    private JsonNode provisioned;

    @BeforeAll
    void startMoto() throws Exception {
        Files.createDirectories(work);
        YAMLMapper yaml = new YAMLMapper();
        vars = yaml.readTree(repo.resolve("ansible/aws/vars/main.yml").toFile());
        testVars = yaml.readTree(motoVars.toFile());
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        endpoint = "http://127.0.0.1:" + port;
        moto = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("moto.log").toFile())
                .start();
        awaitMoto();
    }

    @AfterAll
    void stopMoto() throws InterruptedException {
        if (moto == null) {
            return;
        }
        moto.descendants().forEach(ProcessHandle::destroy);
        moto.destroy();
        if (!moto.waitFor(10, TimeUnit.SECONDS)) {
            moto.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void playbooksPassAnsibleLintAndSyntaxCheck() throws Exception {
        Run lint = run(repo.resolve("ansible/aws"), "lint", List.of("ansible-lint", "--offline", "--nocolor", "-q"));
        assertThat(lint.exitCode()).as("ansible-lint --offline:\n%s", lint.output()).isZero();
        for (String playbook : playbooks()) {
            Run check = run(repo.resolve("ansible/aws"), "syntax-" + playbook,
                    List.of("ansible-playbook", "--syntax-check", playbook));
            assertThat(check.exitCode()).as("%s --syntax-check:\n%s", playbook, check.output()).isZero();
        }
    }

    @Test
    @Order(2)
    void singleBoxOpensHttpAndHttpsToTheWorldAndSshToTheAllowListOnly() throws Exception {
        provision("single-box");
        JsonNode state = snapshot();

        JsonNode web = state.path("securityGroups").path("ladder-web");
        assertThat(worldPorts(web)).containsExactlyInAnyOrder(80, 443);
        assertThat(sources(web, 22)).containsExactlyInAnyOrderElementsOf(strings(testVars.path("aws_ssh_allow_list")));
        assertThat(ingressPorts(web)).containsExactlyInAnyOrder(22, 80, 443);
        assertThat(state.path("instances")).singleElement()
                .satisfies(box -> assertThat(box.path("name").asText()).isEqualTo("ladder-box"))
                .satisfies(box -> assertThat(strings(box.path("securityGroups"))).containsExactly(web.path("id").asText()));
        assertThat(strings(state.path("addresses"))).hasSize(1);
        assertThat(strings(state.path("hostedZones"))).contains(vars.path("aws_dns_zone").asText() + ".");
    }

    @Test
    @Order(3)
    void everyLaterStageProvisionsOnTopOfTheOneBefore() throws Exception {
        // Each stage's playbook runs every earlier stage's tasks too (provision.yml), so going straight
        // to users-plus-4 builds the same world; walking every stage in turn (-Dladder.aws.everyStage=true)
        // also proves each intermediate stage on its own, at three more minutes of Ansible.
        List<String> stages = Boolean.getBoolean("ladder.aws.everyStage")
                ? STAGES.subList(1, STAGES.size())
                : List.of(STAGES.getLast());
        for (String stage : stages) {
            provision(stage);
        }
    }

    @Test
    @Order(4)
    void aSecondRunChangesNothingButTheDocumentedExceptions() throws Exception {
        Run again = provision("users-plus-4", "users-plus-4-again");
        assertThat(changedTasks(again.output())).isSubsetOf(NOT_IDEMPOTENT_HERE.keySet());
    }

    @Test
    @Order(5)
    void theLoadBalancerIsTheOnlyThingOpenToTheWorldAndOnlyOn80And443() throws Exception {
        JsonNode groups = provisioned().path("securityGroups");
        assertThat(worldPorts(groups.path("ladder-lb"))).containsExactlyInAnyOrder(80, 443);
        assertThat(ingressPorts(groups.path("ladder-lb"))).containsExactlyInAnyOrder(80, 443);
        for (String name : List.of("ladder-app", "ladder-db", "ladder-cache")) {
            assertThat(worldPorts(groups.path(name))).as(name).isEmpty();
        }
        JsonNode app = groups.path("ladder-app");
        String lb = groups.path("ladder-lb").path("id").asText();
        assertThat(groupSources(app, 8080)).containsExactly(lb);
        assertThat(groupSources(app, 8081)).containsExactly(lb);
        assertThat(sources(app, 22)).containsExactlyInAnyOrderElementsOf(strings(testVars.path("aws_ssh_allow_list")));
        assertThat(ingressPorts(app)).containsExactlyInAnyOrder(22, 8080, 8081);
    }

    @Test
    @Order(6)
    void theDatabaseAndRedisTakeConnectionsFromTheAppTierOnly() throws Exception {
        JsonNode state = provisioned();
        JsonNode groups = state.path("securityGroups");
        String app = groups.path("ladder-app").path("id").asText();
        String db = groups.path("ladder-db").path("id").asText();
        String cache = groups.path("ladder-cache").path("id").asText();
        assertThat(ingressPorts(groups.path("ladder-db"))).containsExactly(3306);
        assertThat(groupSources(groups.path("ladder-db"), 3306)).containsExactly(app);
        assertThat(sources(groups.path("ladder-db"), 3306)).isEmpty();
        assertThat(ingressPorts(groups.path("ladder-cache"))).containsExactly(6379);
        assertThat(groupSources(groups.path("ladder-cache"), 6379)).containsExactly(app);
        assertThat(sources(groups.path("ladder-cache"), 6379)).isEmpty();

        int replicas = vars.path("aws_db_read_replicas").asInt();
        assertThat(state.path("databases")).hasSize(1 + replicas).allSatisfy(database -> {
            assertThat(database.path("public").asBoolean()).as("%s public", database.path("id")).isFalse();
            assertThat(database.path("encrypted").asBoolean()).as("%s encrypted", database.path("id")).isTrue();
            assertThat(strings(database.path("securityGroups"))).containsExactly(db);
        });
        JsonNode primary = find(state.path("databases"), "id", "ladder-db");
        assertThat(primary.path("multiAz").asBoolean()).isTrue();
        assertThat(StreamSupport.stream(state.path("databases").spliterator(), false)
                .filter(database -> database.path("replicaOf").asText().endsWith("ladder-db")))
                .hasSize(replicas);

        assertThat(state.path("caches")).singleElement().satisfies(group -> {
            assertThat(group.path("automaticFailover").asText()).isEqualTo("enabled");
            assertThat(group.path("transitEncryption").asBoolean()).isTrue();
            assertThat(group.path("atRestEncryption").asBoolean()).isTrue();
            // moto makes one node whatever NumCacheClusters says (README: emulator exceptions).
            assertThat(group.path("members").asInt()).isPositive();
        });
    }

    @Test
    @Order(7)
    void theBucketBlocksPublicAccessEncryptsByDefaultAndAdmitsTheAppRole() throws Exception {
        JsonNode bucket = provisioned().path("bucket");
        JsonNode block = bucket.path("publicAccessBlock");
        for (String setting : List.of("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")) {
            assertThat(block.path(setting).asBoolean()).as(setting).isTrue();
        }
        assertThat(bucket.path("encryption").path("Rules").get(0)
                .path("ApplyServerSideEncryptionByDefault").path("SSEAlgorithm").asText()).isEqualTo("AES256");
        assertThat(bucket.path("policy").toString()).contains("role/ladder-app").contains("aws:SecureTransport");
    }

    @Test
    @Order(8)
    void theQueueDeadLettersAfterMaxAttemptsPlusOneWithTheAppsVisibilityTimeout() throws Exception {
        JsonNode queues = provisioned().path("queues");
        JsonNode queue = queues.path(vars.path("aws_queue_name").asText());
        JsonNode deadLetters = queues.path(vars.path("aws_dead_letter_queue_name").asText());
        JsonNode redrive = json.readTree(queue.path("RedrivePolicy").asText());
        assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(vars.path("aws_queue_max_attempts").asInt() + 1);
        assertThat(redrive.path("deadLetterTargetArn").asText()).isEqualTo(deadLetters.path("QueueArn").asText());
        assertThat(queue.path("VisibilityTimeout").asInt()).isEqualTo(60);
        assertThat(deadLetters.path("MessageRetentionPeriod").asInt()).isEqualTo(14 * 24 * 3600);
    }

    @Test
    @Order(9)
    void theBalancerRedirectsHttpSendsReadsToTheReadPoolAndChecksTheAdminPort() throws Exception {
        JsonNode state = provisioned();
        JsonNode http = find(state.path("listeners"), "port", "80");
        assertThat(http.path("defaultActions").get(0).path("Type").asText()).isEqualTo("redirect");
        assertThat(http.path("defaultActions").get(0).path("RedirectConfig").path("Protocol").asText()).isEqualTo("HTTPS");
        JsonNode https = find(state.path("listeners"), "port", "443");
        assertThat(strings(https.path("certificates"))).containsExactly(certificateArn);
        String readPool = state.path("targetGroups").path("ladder-read").path("arn").asText();
        assertThat(https.path("rules").toString()).contains("GET").contains("HEAD").contains(readPool);
        for (String pool : List.of("ladder-read", "ladder-write")) {
            assertThat(state.path("targetGroups").path(pool).path("healthCheckPort").asText()).isEqualTo("8081");
            assertThat(state.path("targetGroups").path(pool).path("healthCheckPath").asText()).isEqualTo("/health/ready");
        }
        assertThat(state.path("distributions")).singleElement().satisfies(cdn -> {
            assertThat(strings(cdn.path("paths"))).containsExactly("photos/*", "static/*", "thumbs/*");
            assertThat(strings(cdn.path("origins"))).containsExactly(testVars.path("aws_bucket_name").asText() + ".s3.amazonaws.com");
        });
    }

    @Test
    @Order(10)
    void theAutoscalingGroupsSpanTwoZonesWithTheirPoliciesAndSchedules() throws Exception {
        JsonNode state = provisioned();
        JsonNode groups = state.path("autoscalingGroups");
        assertThat(fieldNames(groups)).containsExactlyInAnyOrder("ladder-read-api", "ladder-write-api", "ladder-worker");
        for (var role : Map.of("read-api", "read_api", "write-api", "write_api", "worker", "worker").entrySet()) {
            JsonNode group = groups.path("ladder-" + role.getKey());
            JsonNode bounds = vars.path("aws_autoscaling").path(role.getValue());
            assertThat(group.path("min").asInt()).isEqualTo(bounds.path("min").asInt());
            assertThat(group.path("max").asInt()).isEqualTo(bounds.path("max").asInt());
            assertThat(group.path("desired").asInt()).isEqualTo(bounds.path("desired").asInt());
            assertThat(strings(group.path("zones"))).hasSize(2);
            assertThat(strings(group.path("scheduledActions")))
                    .containsExactlyInAnyOrder("ladder-" + role.getKey() + "-peak", "ladder-" + role.getKey() + "-night");
            assertThat(group.path("policyTypes").path("ladder-" + role.getKey() + "-cpu").asText()).isEqualTo("TargetTrackingScaling");
        }
        for (String pool : List.of("read", "write")) {
            JsonNode group = groups.path("ladder-" + pool + "-api");
            assertThat(group.path("policyTypes").path("ladder-" + pool + "-api-requests").asText()).isEqualTo("TargetTrackingScaling");
            assertThat(strings(group.path("targetGroups")))
                    .containsExactly(state.path("targetGroups").path("ladder-" + pool).path("arn").asText());
        }
        assertThat(strings(groups.path("ladder-worker").path("policies")))
                .contains("ladder-worker-backlog-out", "ladder-worker-backlog-in");
        assertThat(state.path("instances")).as("fixed instances retired; moto's groups start none")
                .noneMatch(instance -> instance.path("name").asText().matches("ladder-(box|read\\d|write\\d|worker\\d)"));
        assertThat(strings(state.path("launchTemplates"))).hasSize(3);
        assertThat(strings(state.path("logGroups"))).containsExactlyInAnyOrder("/ladder/app", "/ladder/access");
    }

    @Test
    @Order(11)
    void everyAlarmExistsWithItsThresholdAndNotifiesTheTopic() throws Exception {
        JsonNode state = provisioned();
        JsonNode thresholds = vars.path("aws_alarms");
        Map<String, Double> expected = new TreeMap<>(Map.of(
                "ladder-5xx-rate", thresholds.path("error_rate_percent").asDouble(),
                "ladder-p99-latency", thresholds.path("p99_latency_seconds").asDouble(),
                "ladder-oldest-job", thresholds.path("oldest_job_seconds").asDouble(),
                "ladder-worker-backlog-high", vars.path("aws_target_backlog_per_worker").asDouble(),
                "ladder-worker-backlog-low", vars.path("aws_target_backlog_per_worker").asDouble() / 2));
        for (int replica = 1; replica <= vars.path("aws_db_read_replicas").asInt(); replica++) {
            expected.put("ladder-replica-lag-" + replica, thresholds.path("replica_lag_seconds").asDouble());
        }
        JsonNode alarms = state.path("alarms");
        assertThat(fieldNames(alarms)).containsExactlyInAnyOrderElementsOf(expected.keySet());
        String topic = state.path("topics").get(0).asText();
        expected.forEach((name, threshold) -> {
            assertThat(alarms.path(name).path("threshold").asDouble()).as(name).isEqualTo(threshold);
            if (!name.startsWith("ladder-worker-backlog")) {
                assertThat(strings(alarms.path(name).path("actions"))).as(name).containsExactly(topic);
            }
        });
    }

    @Test
    @Order(12)
    void theTeardownLeavesNothingBehind() throws Exception {
        Run teardown = aws("teardown", List.of("users-plus-4", "--teardown"));
        assertThat(teardown.exitCode()).as("teardown:\n%s", tail(teardown.output())).isZero();
        JsonNode state = snapshot();
        for (String kind : List.of("vpcs", "instances", "addresses", "natGateways", "databases", "caches", "loadBalancers",
                "launchTemplates", "logGroups", "topics", "distributions", "roles", "instanceProfiles", "hostedZones")) {
            assertThat(state.path(kind)).as(kind).isEmpty();
        }
        for (String kind : List.of("securityGroups", "targetGroups", "autoscalingGroups", "alarms", "queues")) {
            assertThat(fieldNames(state.path(kind))).as(kind).isEmpty();
        }
        assertThat(strings(state.path("buckets"))).doesNotContain(testVars.path("aws_bucket_name").asText());
    }

    // ---- running the playbooks ----------------------------------------------------------------

    private Run provision(String stage) throws Exception {
        return provision(stage, stage);
    }

    private Run provision(String stage, String label) throws Exception {
        List<String> args = new ArrayList<>(List.of(stage));
        if (STAGES.indexOf(stage) >= 2) {
            args.addAll(List.of("-e", "aws_certificate_arn=" + certificate()));
        }
        Run run = aws(label, args);
        assertThat(run.exitCode()).as("scripts/aws-provision %s:\n%s", stage, tail(run.output())).isZero();
        return run;
    }

    private Run aws(String label, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(repo.resolve("scripts/aws-provision").toString()));
        command.addAll(args);
        command.addAll(List.of("--endpoint", endpoint, "-e", "@" + motoVars,
                // moto answers at once: waiting for RDS, NAT or instances would only poll.
                "-e", "aws_wait=false"));
        return run(repo, label, command);
    }

    private String certificate() throws Exception {
        if (certificateArn == null) {
            Run run = run(repo, "certificate", List.of("/usr/bin/python3", script(), endpoint, "certificate",
                    vars.path("aws_dns_record").asText()));
            assertThat(run.exitCode()).as(run.output()).isZero();
            certificateArn = run.output().strip();
        }
        return certificateArn;
    }

    private JsonNode snapshot() throws Exception {
        Run run = run(repo, "snapshot", List.of("/usr/bin/python3", script(), endpoint, "snapshot", "ladder",
                testVars.path("aws_bucket_name").asText()));
        assertThat(run.exitCode()).as(run.output()).isZero();
        return json.readTree(run.output());
    }

    private JsonNode provisioned() throws Exception {
        if (provisioned == null) {
            provisioned = snapshot();
        }
        return provisioned;
    }

    private String script() {
        return repo.resolve("src/test/resources/dev/ladder/aws/emulator_state.py").toString();
    }

    private Run run(Path dir, String label, List<String> command) throws Exception {
        Path log = work.resolve(label + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("ANSIBLE_FORCE_COLOR", "0");
        builder.environment().put("ANSIBLE_NOCOLOR", "1");
        builder.environment().put("ANSIBLE_LOCAL_TEMP", work.resolve("ansible-tmp").toString());
        Instant started = Instant.now();
        Process process = builder.start();
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            throw new AssertionError(label + " took over 15 minutes; log: " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.printf("%s: exit %d in %d s%n", label, process.exitValue(), Duration.between(started, Instant.now()).toSeconds());
        return new Run(process.exitValue(), output);
    }

    private record Run(int exitCode, String output) {}

    private void awaitMoto() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            assertThat(moto.isAlive()).as("moto_server exited; see %s", work.resolve("moto.log")).isTrue();
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/moto-api/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            assertThat(Instant.now()).as("moto_server ready within 60 s").isBefore(deadline);
            Thread.sleep(250);
        }
    }

    // ---- reading the output and the snapshot -----------------------------------------------------

    private List<String> playbooks() throws IOException {
        try (var files = Files.list(repo.resolve("ansible/aws"))) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".yml"))
                    .filter(name -> !name.equals("inventory.yml")).sorted().toList();
        }
    }

    /** Names of the tasks that reported "changed" in ansible-playbook's default output. */
    private static Set<String> changedTasks(String output) {
        Set<String> changed = new LinkedHashSet<>();
        String task = "";
        for (String line : output.lines().toList()) {
            if (line.startsWith("TASK [")) {
                task = line.substring("TASK [".length(), line.lastIndexOf(']'));
            } else if (line.startsWith("changed: ")) {
                changed.add(task);
            }
        }
        return changed;
    }

    private static List<Integer> worldPorts(JsonNode group) {
        return rules(group).stream().filter(rule -> WORLD.equals(rule.path("cidr").asText()) || "::/0".equals(rule.path("cidr").asText()))
                .map(rule -> rule.path("from").asInt()).toList();
    }

    private static Set<Integer> ingressPorts(JsonNode group) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (JsonNode rule : rules(group)) {
            assertThat(rule.path("from").asInt()).as("single-port rules only: %s", rule).isEqualTo(rule.path("to").asInt());
            ports.add(rule.path("from").asInt());
        }
        return ports;
    }

    private static List<String> sources(JsonNode group, int port) {
        return rules(group).stream().filter(rule -> rule.path("from").asInt() == port && rule.has("cidr"))
                .map(rule -> rule.path("cidr").asText()).toList();
    }

    private static List<String> groupSources(JsonNode group, int port) {
        return rules(group).stream().filter(rule -> rule.path("from").asInt() == port && rule.has("group"))
                .map(rule -> rule.path("group").asText()).toList();
    }

    private static List<JsonNode> rules(JsonNode group) {
        assertThat(group.isMissingNode()).as("security group exists").isFalse();
        return StreamSupport.stream(group.path("ingress").spliterator(), false).toList();
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        return StreamSupport.stream(array.spliterator(), false).filter(node -> node.path(field).asText().equals(value))
                .findFirst().orElseThrow(() -> new AssertionError("no element with " + field + " = " + value + " in " + array));
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
