package dev.ladder.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.Commands;
import dev.ladder.testing.Commands.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The single-box port check of issue 10: the box is a network namespace of its own, joined by a veth
 * pair to a second namespace that plays the internet (two sources per family, IPv4 and IPv6: one on the
 * SSH allow-list, one not). Real servers listen on the box on every port of the single-box stage, on
 * every address, so that only the firewall can keep them in: HAProxy on 80 (redirect) and 443 (TLS to the app), the app jar on
 * 8080 and its admin port 8081 with the single-box profile, MariaDB on 3306, sshd on 22 (reloaded, as the
 * role's handler does, once the role wrote its drop-in). Before the firewall every port answers from both addresses; then
 * {@code ansible/single-box.yml --tags common} converges inside the box's namespace (firewall and SSH
 * parts; updates and time sync need a whole machine) and only 80 and 443 answer, 22 only to the
 * allow-listed address, the app's ports and 3306 to nobody, while the app still reaches its database
 * and HTTPS still reaches the app through loopback. A second converge changes nothing, and a ruleset
 * that would open the database to the world is refused.
 *
 * <p>nftables rules belong to a network namespace, so the machine's own firewall is never touched.
 * Needs root (network namespaces); skipped with a message otherwise. Namespaces are named after the JVM's
 * pid, and ones left by a JVM that died are removed by the next run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SingleBoxPortsIT {
    private static final String BOX_ADDRESS = "10.77.0.1";
    private static final String ALLOWED = "10.77.0.2";
    private static final String OUTSIDER = "10.77.0.3";
    // The same on IPv6 (unique local addresses): the ruleset's IPv6 side must hold as well.
    private static final String BOX_ADDRESS_V6 = "fd77::1";
    private static final String ALLOWED_V6 = "fd77::2";
    private static final String OUTSIDER_V6 = "fd77::3";
    private static final List<String> BOX_ADDRESSES = List.of(BOX_ADDRESS, BOX_ADDRESS_V6);
    private static final List<String> SOURCES = List.of(ALLOWED, OUTSIDER, ALLOWED_V6, OUTSIDER_V6);
    private static final int SSH = 22;
    private static final int HTTP = 80;
    private static final int HTTPS = 443;
    private static final int APP = 8080;
    private static final int ADMIN = 8081;
    private static final int MYSQL = 3306;
    private static final List<Integer> PORTS = List.of(SSH, HTTP, HTTPS, APP, ADMIN, MYSQL);
    private static final String NAMESPACE_PREFIX = "ladder-hosts-";
    private static final Pattern NAMESPACE = Pattern.compile(NAMESPACE_PREFIX + "(\\d+)-(box|net)");
    private static final Pattern RECAP = Pattern.compile("box1\\s*:\\s*ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String DB_PASSWORD = "box-test-only";

    private final Path repo = Path.of("").toAbsolutePath();
    private final Path work = repo.resolve("target/hosts-it");
    private final String box = NAMESPACE_PREFIX + ProcessHandle.current().pid() + "-box";
    private final String internet = NAMESPACE_PREFIX + ProcessHandle.current().pid() + "-net";
    private final List<Process> servers = new ArrayList<>();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private final ObjectMapper json = new ObjectMapper();
    private Thread cleanupHook;
    private Process sshd;

    @BeforeAll
    void bringUpTheBoxAndItsServers() throws Exception {
        Assumptions.assumeTrue(run("id", "-u").output().strip().equals("0"),
                "SingleBoxPortsIT needs root (network namespaces and nftables): skipped");
        for (String tool : List.of("ip", "nft", "/usr/sbin/sshd", "ssh", "ssh-keygen", "haproxy", "mariadbd",
                "mariadb-install-db", "ansible-playbook", "openssl", "curl", "/usr/bin/python3")) {
            assertThat(run("sh", "-c", "command -v " + tool).exitCode())
                    .as("%s is missing: scripts/test installs it (ladder_apt_ensure nftables openssh-server ...)", tool)
                    .isZero();
        }
        removeNamespacesOfDeadRuns();
        deleteTree(work);
        Files.createDirectories(work);

        Run added = run("ip", "netns", "add", box);
        Assumptions.assumeTrue(added.exitCode() == 0,
                "no network namespaces here (ip netns add: " + added.output().strip() + "): SingleBoxPortsIT skipped");
        cleanupHook = new Thread(this::cleanUp, "SingleBoxPortsIT cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        connectTheBoxToTheInternet();

        startMariaDb();
        startSshd();
        startHaproxy();
        createTheAppsDatabase();
        startTheApp();
    }

    @AfterAll
    void tearDown() {
        cleanUp();
        if (cleanupHook != null) {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        }
    }

    @Test
    @Order(1)
    void beforeTheFirewallEveryServerAnswersFromEverySource() throws Exception {
        Map<String, Map<String, String>> states = probe(internet, BOX_ADDRESSES, SOURCES, PORTS);
        for (String source : SOURCES) {
            assertThat(states.get(source)).as("from %s, before the firewall", source)
                    .allSatisfy((port, state) -> assertThat(state).as("port %s", port).isEqualTo("open"));
        }
    }

    @Test
    @Order(2)
    void afterConvergingOnlyHttpAndHttpsAnswerAndSshOnlyTheAllowList() throws Exception {
        Run converge = converge("converge");
        assertThat(recap(converge)).as("ansible-playbook --tags common:\n%s", converge.output())
                .satisfies(counts -> assertThat(counts.failed()).isZero());
        reloadSshd();

        Map<String, Map<String, String>> states = probe(internet, BOX_ADDRESSES, SOURCES, PORTS);
        for (String allowed : List.of(ALLOWED, ALLOWED_V6)) {
            assertThat(states.get(allowed)).as("from the allow-listed %s", allowed).isEqualTo(Map.of(
                    "22", "open", "80", "open", "443", "open", "8080", "filtered", "8081", "filtered", "3306", "filtered"));
        }
        for (String outsider : List.of(OUTSIDER, OUTSIDER_V6)) {
            assertThat(states.get(outsider)).as("from %s, not on the allow-list", outsider).isEqualTo(Map.of(
                    "22", "filtered", "80", "open", "443", "open", "8080", "filtered", "8081", "filtered", "3306", "filtered"));
        }
    }

    @Test
    @Order(3)
    void theBoxStillReachesItsOwnServicesThroughLoopbackAndHttpsReachesTheApp() throws Exception {
        Map<String, Map<String, String>> local = probe(box, List.of("127.0.0.1"), List.of("127.0.0.1"), List.of(APP, ADMIN, MYSQL));
        assertThat(local.get("127.0.0.1")).as("on the box itself")
                .isEqualTo(Map.of("8080", "open", "8081", "open", "3306", "open"));
        // Ready means the app's pool reached MariaDB on 127.0.0.1:3306 after the firewall went up.
        assertThat(curl(box, "127.0.0.1", "http://127.0.0.1:" + ADMIN + "/health/ready")).isEqualTo("200");
        assertThat(curl(internet, OUTSIDER, "http://" + BOX_ADDRESS + "/")).isEqualTo("301");
        assertThat(curl(internet, OUTSIDER, "https://" + BOX_ADDRESS + "/")).isEqualTo("200");
        assertThat(curl(internet, OUTSIDER_V6, "https://[" + BOX_ADDRESS_V6 + "]/")).isEqualTo("200");
    }

    @Test
    @Order(4)
    void sshFromTheAllowListOffersKeysOnly() throws Exception {
        Run ssh = Commands.run(List.of("ip", "netns", "exec", internet, "ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20",
                "-b", ALLOWED, "root@" + BOX_ADDRESS, "true"), Duration.ofSeconds(60));
        assertThat(ssh.exitCode()).as(ssh.output()).isEqualTo(255);
        // The server names every method it would accept: publickey only, no password, no keyboard-interactive.
        assertThat(ssh.output()).contains("Permission denied (publickey).");
    }

    @Test
    @Order(5)
    void aSecondConvergeChangesNothing() throws Exception {
        Run again = converge("converge-again");
        assertThat(recap(again)).as("second ansible-playbook --tags common:\n%s", again.output())
                .satisfies(counts -> assertThat(counts.failed()).isZero())
                .satisfies(counts -> assertThat(counts.changed()).isZero());
        assertThat(run("ip", "netns", "exec", box, "nft", "list", "table", "inet", "ladder").exitCode()).isZero();
    }

    @Test
    @Order(6)
    void aRulesetThatWouldOpenTheDatabaseToTheWorldIsRefused() throws Exception {
        String before = Files.readString(work.resolve("nftables.conf"));
        Run refused = converge("converge-refused",
                "{\"common_firewall_public_tcp_ports\": [80, 443, 3306], \"common_ssh_enabled\": false}");
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("opens 3306, which must never face the internet");
        assertThat(Files.readString(work.resolve("nftables.conf"))).isEqualTo(before);
        assertThat(probe(internet, BOX_ADDRESSES, List.of(OUTSIDER, OUTSIDER_V6), List.of(MYSQL)))
                .allSatisfy((source, states) -> assertThat(states.get("3306")).as(source).isEqualTo("filtered"));
    }

    // ---- the two namespaces ------------------------------------------------------------------------

    private void connectTheBoxToTheInternet() throws Exception {
        must("ip", "netns", "add", internet);
        // Created straight inside the namespaces: the machine's own namespace never sees the pair.
        must("ip", "link", "add", "box0", "netns", box, "type", "veth", "peer", "name", "net0", "netns", internet);
        must("ip", "-n", box, "addr", "add", BOX_ADDRESS + "/24", "dev", "box0");
        must("ip", "-n", internet, "addr", "add", ALLOWED + "/24", "dev", "net0");
        must("ip", "-n", internet, "addr", "add", OUTSIDER + "/24", "dev", "net0");
        // nodad: usable at once, without duplicate address detection's wait.
        must("ip", "-n", box, "addr", "add", BOX_ADDRESS_V6 + "/64", "dev", "box0", "nodad");
        must("ip", "-n", internet, "addr", "add", ALLOWED_V6 + "/64", "dev", "net0", "nodad");
        must("ip", "-n", internet, "addr", "add", OUTSIDER_V6 + "/64", "dev", "net0", "nodad");
        for (String namespace : List.of(box, internet)) {
            must("ip", "-n", namespace, "link", "set", "lo", "up");
        }
        must("ip", "-n", box, "link", "set", "box0", "up");
        must("ip", "-n", internet, "link", "set", "net0", "up");
    }

    private void removeNamespacesOfDeadRuns() throws Exception {
        for (String line : run("ip", "netns", "list").output().lines().toList()) {
            Matcher name = NAMESPACE.matcher(line.split(" ")[0]);
            if (name.matches() && ProcessHandle.of(Long.parseLong(name.group(1))).isEmpty()) {
                removeNamespace(name.group());
            }
        }
    }

    private synchronized void cleanUp() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        for (Process server : servers.reversed()) {
            server.destroy();
        }
        for (Process server : servers.reversed()) {
            try {
                if (!server.waitFor(20, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.destroyForcibly();
            }
        }
        for (String namespace : List.of(box, internet)) {
            try {
                removeNamespace(namespace);
            } catch (Exception e) {
                System.err.println("SingleBoxPortsIT: could not remove namespace " + namespace + ": " + e);
            }
        }
    }

    /** Kills what still runs in the namespace (by pid), then deletes it, which removes its end of the veth pair. */
    private void removeNamespace(String namespace) throws Exception {
        if (run("ip", "netns", "list").output().lines().noneMatch(line -> line.split(" ")[0].equals(namespace))) {
            return;
        }
        for (String pid : run("ip", "netns", "pids", namespace).output().lines().map(String::strip)
                .filter(line -> line.matches("\\d+")).toList()) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
        must("ip", "netns", "delete", namespace);
    }

    // ---- the servers on the box -------------------------------------------------------------------

    private void startMariaDb() throws Exception {
        Path root = Files.createDirectories(work.resolve("mariadb"));
        Path data = root.resolve("data");
        Run install = Commands.run(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + data, "--user=root",
                "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"), START_TIMEOUT);
        assertThat(install.exitCode()).as("mariadb-install-db:\n%s", install.output()).isZero();
        start("mariadb", List.of("mariadbd", "--no-defaults", "--user=root", "--datadir=" + data, "--port=" + MYSQL,
                "--bind-address=0.0.0.0,::", "--socket=" + root.resolve("mysqld.sock"), "--pid-file=" + root.resolve("mysqld.pid"),
                "--log-error=" + root.resolve("error.log"), "--skip-name-resolve", "--skip-log-bin",
                "--innodb-buffer-pool-size=32M", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin",
                "--default-time-zone=+00:00"), Map.of());
    }

    private void createTheAppsDatabase() throws Exception {
        Path socket = work.resolve("mariadb/mysqld.sock");
        String sql = "CREATE DATABASE ladder CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
                + " CREATE USER 'ladder'@'127.0.0.1' IDENTIFIED BY '" + DB_PASSWORD + "';"
                + " GRANT ALL ON ladder.* TO 'ladder'@'127.0.0.1';";
        await("MariaDB on the box accepts connections").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> run("mariadb", "--no-defaults", "--socket=" + socket, "-uroot", "-e", "SELECT 1").exitCode() == 0);
        Run created = run("mariadb", "--no-defaults", "--socket=" + socket, "-uroot", "-e", sql);
        assertThat(created.exitCode()).as(created.output()).isZero();
    }

    private void startSshd() throws Exception {
        Path ssh = Files.createDirectories(work.resolve("ssh"));
        Files.createDirectories(ssh.resolve("sshd_config.d"));
        must("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("host_key").toString());
        // The drop-in folder is where the role writes its hardening (common_ssh_config_dir), included
        // first as the distribution's sshd_config does.
        Files.writeString(ssh.resolve("sshd_config"), """
                Include %s/*.conf
                Port %d
                ListenAddress 0.0.0.0
                ListenAddress ::
                HostKey %s
                PidFile %s
                """.formatted(ssh.resolve("sshd_config.d"), SSH, ssh.resolve("host_key"), ssh.resolve("sshd.pid")));
        // Started before the role writes its drop-in, as on a fresh host; the converge reloads it.
        start("sshd", List.of("/usr/sbin/sshd", "-D", "-e", "-f", ssh.resolve("sshd_config").toString()), Map.of());
        sshd = servers.getLast();
    }

    /** What the role's "Reload sshd" handler does under systemd: SIGHUP, on which sshd re-executes itself. */
    private void reloadSshd() throws Exception {
        must("kill", "-HUP", Long.toString(sshd.pid()));
        await("sshd listens again after its reload").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> probe(box, List.of("127.0.0.1"), List.of("127.0.0.1"), List.of(SSH)).get("127.0.0.1").get("22").equals("open"));
    }

    private void startHaproxy() throws Exception {
        Path tls = Files.createDirectories(work.resolve("haproxy"));
        must("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=box", "-keyout", tls.resolve("box.key").toString(), "-out", tls.resolve("box.crt").toString());
        Files.writeString(tls.resolve("box.pem"), Files.readString(tls.resolve("box.crt")) + Files.readString(tls.resolve("box.key")));
        // The shape of single-box.yml's HAProxy: 80 redirects to HTTPS, 443 terminates TLS for the app.
        Files.writeString(tls.resolve("haproxy.cfg"), """
                global
                    maxconn 256
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 30s
                    timeout server 30s
                frontend http
                    bind :::%d v4v6
                    http-request redirect scheme https code 301
                frontend https
                    bind :::%d v4v6 ssl crt %s
                    default_backend app
                backend app
                    server app 127.0.0.1:%d
                """.formatted(HTTP, HTTPS, tls.resolve("box.pem"), APP));
        must("haproxy", "-c", "-q", "-f", tls.resolve("haproxy.cfg").toString());
        start("haproxy", List.of("haproxy", "-db", "-f", tls.resolve("haproxy.cfg").toString()), Map.of());
    }

    private void startTheApp() throws Exception {
        String jar = System.getProperty("ladder.jar");
        assertThat(jar).as("-Dladder.jar (run through ./mvnw verify)").isNotNull();
        Path data = Files.createDirectories(work.resolve("app-data"));
        Map<String, String> env = new LinkedHashMap<>();
        // Both ports on every address, as the app role's and the instance's defaults may put them:
        // only the firewall keeps them off the internet.
        env.put("LADDER_HTTP_HOST", "::");
        env.put("LADDER_HTTP_PORT", Integer.toString(APP));
        env.put("LADDER_HTTP_ADMIN_HOST", "::");
        env.put("LADDER_HTTP_ADMIN_PORT", Integer.toString(ADMIN));
        env.put("LADDER_DATA_DIR", data.toString());
        env.put("LADDER_DATABASE_PASSWORD", DB_PASSWORD);
        env.put("LADDER_DATABASE_MAX_POOL_SIZE", "4");
        env.put("LADDER_DATABASE_MIN_IDLE", "1");
        start("app", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar, "--profile", "single-box"), env);
        Process app = servers.getLast();
        await("the app on the box is ready").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    assertThat(app.isAlive()).as("the app exited:\n%s", tail(work.resolve("app.log"))).isTrue();
                    return curl(box, "127.0.0.1", "http://127.0.0.1:" + ADMIN + "/health/ready").equals("200");
                });
    }

    /** Starts a server inside the box's namespace; ip netns exec execs it, so the process is the server. */
    private void start(String name, List<String> command, Map<String, String> env) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", box));
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile());
        // The app refuses LADDER_ names it does not know: pass only these.
        builder.environment().keySet().removeIf(key -> key.startsWith("LADDER_"));
        builder.environment().putAll(env);
        servers.add(builder.start());
    }

    // ---- Ansible and probes -----------------------------------------------------------------------

    /** Runs single-box.yml's common play inside the box's namespace, with the role's files under target/. */
    private Run converge(String label, String... extraVars) throws Exception {
        Path inventory = work.resolve("inventory.yml");
        Path ssh = work.resolve("ssh");
        Files.writeString(inventory, """
                all:
                  children:
                    box:
                      hosts:
                        box1:
                          ansible_connection: local
                          ansible_python_interpreter: /usr/bin/python3
                          # Updates and time sync act on the whole machine (apt, systemd): not in a namespace.
                          common_unattended_upgrades_enabled: false
                          common_time_sync_enabled: false
                          common_install_packages: false
                          common_service_mode: none
                          common_firewall_config: %s
                          common_firewall_ssh_allow_list: [%s/32, %s/128]
                          common_ssh_config_dir: %s
                          common_ssh_main_config: %s
                """.formatted(work.resolve("nftables.conf"), ALLOWED, ALLOWED_V6, ssh.resolve("sshd_config.d"), ssh.resolve("sshd_config")));
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", box, "ansible-playbook", "-i", inventory.toString(),
                "single-box.yml", "--tags", "common"));
        for (String extra : extraVars) {
            command.addAll(List.of("-e", extra));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(repo.resolve("ansible").toFile()).redirectErrorStream(true);
        builder.environment().put("ANSIBLE_CONFIG", repo.resolve("ansible/ansible.cfg").toString());
        builder.environment().put("ANSIBLE_NOCOLOR", "1");
        builder.environment().put("ANSIBLE_LOCAL_TEMP", work.resolve("ansible-tmp").toString());
        Run run = Commands.run(builder, Duration.ofMinutes(3));
        Files.writeString(work.resolve(label + ".log"), run.output());
        return run;
    }

    private static Recap recap(Run run) {
        Matcher recap = RECAP.matcher(run.output());
        assertThat(recap.find()).as("no PLAY RECAP for box1 (exit %d):\n%s", run.exitCode(), run.output()).isTrue();
        return new Recap(Integer.parseInt(recap.group(2)), Integer.parseInt(recap.group(3)) + Integer.parseInt(recap.group(4)));
    }

    private record Recap(int changed, int failed) {
    }

    /** TCP connects from each source to each port, all at once, from inside a namespace (probe.py). */
    private Map<String, Map<String, String>> probe(String namespace, List<String> targets, List<String> sources, List<Integer> ports)
            throws Exception {
        Run probe = Commands.run(List.of("ip", "netns", "exec", namespace, "/usr/bin/python3",
                repo.resolve("src/test/resources/dev/ladder/hosts/probe.py").toString(), String.join(",", targets), String.join(",", sources),
                String.join(",", ports.stream().map(String::valueOf).toList()), "3"), Duration.ofSeconds(60));
        assertThat(probe.exitCode()).as(probe.output()).isZero();
        return json.readValue(probe.output(), new TypeReference<>() { });
    }

    /** The HTTP status of a GET from inside a namespace, from this source address (000: no answer). */
    private String curl(String namespace, String source, String url) throws Exception {
        return Commands.run(List.of("ip", "netns", "exec", namespace, "curl", "-s", "-k", "-o", "/dev/null", "-w", "%{http_code}",
                "--interface", source, "--max-time", "10", url), Duration.ofSeconds(30)).output().strip();
    }

    // ---- processes ---------------------------------------------------------------------------------

    private static Run run(String... command) throws Exception {
        return Commands.run(List.of(command), Duration.ofSeconds(60));
    }

    private static void must(String... command) throws Exception {
        Run run = run(command);
        assertThat(run.exitCode()).as("%s:\n%s", String.join(" ", command), run.output()).isZero();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
