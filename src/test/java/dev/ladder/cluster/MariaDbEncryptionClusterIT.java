package dev.ladder.cluster;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Data at rest (the mariadb role's tasks/encryption.yml): a post written through the load
 * balancer is nowhere in plain text in the raw files of either database server (tablespaces,
 * redo log, system tablespace, binary and relay logs) once its pages are on disk; the key file
 * is 0600. The control: the same role with {@code mariadb_encryption_enabled: false} on a private
 * server, the same row and the same scan finds the text in the table's .ibd and the binlog — so
 * a scan that cannot see plain text, or a role that stops encrypting, fails this test.
 */
class MariaDbEncryptionClusterIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void noDatabaseFileOfTheClusterHoldsAPostInPlainText() {
        Cluster.Status status = Cluster.status();
        Api api = Drills.api(status);
        String token = api.signUpAndLogIn(uniqueHandle("atrest"));
        String marker = "plaintext-canary-" + UUID.randomUUID();
        Api.Reply created = api.post("/api/posts", json(Map.of("body", marker)), bearer(token));
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        Path clusterDir = status.stateFile().getParent();
        for (String host : List.of(status.dbPrimary(), Drills.one(status, "db_standby").name())) {
            Path base = clusterDir.resolve(host);
            Path socket = base.resolve("mariadbd.sock");
            await(host + " has the post").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> sql(socket, "SELECT COUNT(*) FROM ladder.posts WHERE body = '" + marker + "'").strip().equals("1"));
            // Writes the table's dirty pages to its .ibd (the redo log and binlog have the row already).
            sql(socket, "FLUSH TABLES ladder.posts FOR EXPORT; UNLOCK TABLES");

            assertThat(sql(socket, "SELECT ENCRYPTION_SCHEME FROM information_schema.INNODB_TABLESPACES_ENCRYPTION WHERE NAME = 'ladder/posts'").strip())
                    .as(host + ": ladder/posts encrypted").isEqualTo("1");
            assertThat(sql(socket, "SELECT @@innodb_encrypt_log, @@encrypt_binlog, @@encrypt_tmp_files").strip())
                    .as(host + ": redo log, binlog, temporary files encrypted").isEqualTo("1\t1\t1");
            List<Path> holding = filesHolding(base.resolve("data"), marker);
            assertThat(holding).as(host + ": files of the data folder with the post in plain text").isEmpty();

            Path key = base.resolve("encryption/keys.txt");
            try {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(key.toString()).isEqualTo("rw-------");
                assertThat(Files.readString(key).strip()).matches("1;[0-9a-f]{64}");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.printf("[encryption] %s: no file under %s holds the post's text%n", host, base.resolve("data"));
        }
    }

    @Test
    void withEncryptionOffTheSameRoleWritesThePlainTextTheScanFinds() throws Exception {
        Path dir = Files.createTempDirectory(Cluster.repo().resolve("target"), "encryption-off-");
        Path base = dir.resolve("plain1");
        Path inventory = dir.resolve("hosts.yml");
        Path playbook = dir.resolve("encryption-off.yml");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Files.writeString(inventory, """
                all:
                  children:
                    db_primary:
                      hosts:
                        plain1:
                          ansible_connection: local
                          ansible_python_interpreter: /usr/bin/python3
                          mariadb_service_mode: pidfile
                          mariadb_install_packages: false
                          mariadb_run_user: root
                          mariadb_base_dir: %s
                          mariadb_port: %d
                          mariadb_app_password: app-password
                          mariadb_replication_password: replication-password
                          mariadb_semi_sync_enabled: false
                          mariadb_innodb_buffer_pool_size: 32M
                          mariadb_extra_settings: {performance_schema: "OFF", innodb_log_file_size: 32M}
                          mariadb_encryption_enabled: false
                """.formatted(base, port));
        Files.writeString(playbook, """
                - name: One private MariaDB server from the mariadb role, encryption off
                  hosts: db_primary
                  gather_facts: false
                  roles:
                    - role: mariadb
                """);
        try {
            Cluster.Result run = Cluster.run(List.of("bash", "-c", "cd ansible && ANSIBLE_CONFIG=ansible.cfg ANSIBLE_FORCE_COLOR=0 ansible-playbook -i "
                    + inventory + " " + playbook), TIMEOUT);
            assertThat(run.exitCode()).as(run.output()).isZero();
            Path socket = base.resolve("mariadbd.sock");
            String marker = "plaintext-canary-" + UUID.randomUUID();
            sql(socket, "CREATE TABLE ladder.canary (id INT PRIMARY KEY, body TEXT); INSERT INTO ladder.canary VALUES (1, '" + marker + "');"
                    + " FLUSH TABLES ladder.canary FOR EXPORT; UNLOCK TABLES");
            List<String> holding = filesHolding(base.resolve("data"), marker).stream().map(path -> path.getFileName().toString()).toList();
            System.out.printf("[encryption] encryption off: files holding the text: %s%n", holding);
            assertThat(holding).as("files holding the text with encryption off").contains("canary.ibd").anyMatch(name -> name.startsWith("binlog."));
        } finally {
            stop(base.resolve("mariadbd.pid"));
            Cluster.run(List.of("rm", "-rf", dir.toString()), Duration.ofMinutes(1));
        }
    }

    /** Every regular file under the folder whose bytes contain the text (ASCII). */
    static List<Path> filesHolding(Path folder, String text) {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (contains(file, needle)) {
                    found.add(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static boolean contains(Path file, byte[] needle) {
        // Streamed in blocks that overlap by the needle's length, so a match across two blocks counts.
        byte[] buffer = new byte[1 << 20];
        int kept = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer, kept, buffer.length - kept)) > 0) {
                int length = kept + read;
                if (indexOf(buffer, length, needle) >= 0) {
                    return true;
                }
                kept = Math.min(needle.length - 1, length);
                System.arraycopy(buffer, length - kept, buffer, 0, kept);
            }
            return false;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Runs SQL as root on a server's own socket; its tab-separated output. */
    static String sql(Path socket, String query) {
        Cluster.Result result = Cluster.run(List.of("mariadb", "--socket=" + socket, "-u", "root", "-N", "-B", "-e", query), Duration.ofSeconds(60));
        assertThat(result.exitCode()).as(query + ": " + result.output()).isZero();
        return result.output();
    }

    /** Exists and is not a zombie (PID 1 here does not reap the orphans a detached server leaves). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return "ZX".indexOf(stat.charAt(stat.lastIndexOf(')') + 2)) < 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void stop(Path pidFile) throws IOException, InterruptedException {
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle process = ProcessHandle.of(pid).orElse(null);
        if (process == null) {
            return;
        }
        process.destroy();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (running(pid) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        if (running(pid)) {
            process.destroyForcibly();
        }
    }
}
