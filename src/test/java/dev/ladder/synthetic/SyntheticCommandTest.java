package dev.ladder.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.Main;
import dev.ladder.config.Config;
import dev.ladder.testing.TestApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The synthetic check against a real node: passes on a healthy one, fails (exit 1, the step named) on a broken one. */
class SyntheticCommandTest {
    private record Outcome(int exitCode, List<String> lines) {
    }

    private static Outcome synthetic(Map<String, String> env, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exitCode = new CommandLine(new SyntheticCommand(env, out)).execute(args);
        return new Outcome(exitCode, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void isASubcommandOfTheJar() {
        assertThat(Main.commandLine().getSubcommands()).containsKey("synthetic");
    }

    @Test
    void passesAgainstARunningNodeWithOneLinePerStep(@TempDir Path dir) {
        try (TestApp app = TestApp.embedded(dir)) {
            Outcome outcome = synthetic(Map.of(), "--url", app.apiUri().toString(), "--timeout", "30s");
            assertThat(outcome.exitCode()).as(String.join("\n", outcome.lines())).isZero();
            assertThat(outcome.lines()).hasSize(6);
            List<String> steps = List.of("sign-up", "log-in", "post", "read", "delete");
            for (int i = 0; i < steps.size(); i++) {
                assertThat(outcome.lines().get(i)).matches("synthetic: " + steps.get(i) + " +ok +\\d{3} in \\d+ ms");
            }
            assertThat(outcome.lines().getLast()).startsWith("synthetic: PASS against " + app.apiUri());
        }
    }

    @Test
    void withoutAUrlItChecksTheLocalNodeOfTheConfiguration(@TempDir Path dir) {
        try (TestApp app = TestApp.embedded(dir)) {
            Outcome outcome = synthetic(Map.of("LADDER_HTTP_PORT", Integer.toString(app.running().apiPort())), "--timeout", "30s");
            assertThat(outcome.exitCode()).as(String.join("\n", outcome.lines())).isZero();
            assertThat(outcome.lines().getLast()).startsWith("synthetic: PASS against http://127.0.0.1:" + app.running().apiPort());
        }
    }

    @Test
    void failsAtTheStepThatBreaksOnABrokenNode(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:mem:synthetic" + System.nanoTime()
                + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        try (TestApp app = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", dir.toString(), "LADDER_DATABASE_URL", url))) {
            Config.Database database = app.config().database();
            try (Connection connection = DriverManager.getConnection(url, database.user(), database.password());
                 Statement statement = connection.createStatement()) {
                // Posts can no longer be written: signing up and logging in still work.
                statement.execute("ALTER TABLE posts RENAME TO posts_hidden");
            }
            Outcome outcome = synthetic(Map.of(), "--url", app.apiUri().toString(), "--timeout", "30s");
            assertThat(outcome.exitCode()).as(String.join("\n", outcome.lines())).isEqualTo(1);
            assertThat(outcome.lines().get(0)).contains("sign-up", "ok");
            assertThat(outcome.lines().get(1)).contains("log-in", "ok");
            assertThat(outcome.lines().get(2)).matches("synthetic: post +FAIL 500 in \\d+ ms \\(POST /api/posts, request id synthetic-[0-9a-f]+-post\\): .*");
            assertThat(outcome.lines().getLast()).startsWith("synthetic: FAIL at post against " + app.apiUri())
                    .endsWith("expected 201, got 500");
            assertThat(outcome.lines()).hasSize(4);
        }
    }

    @Test
    void failsWhenNothingAnswers() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Outcome outcome = synthetic(Map.of(), "--url", "http://127.0.0.1:" + port, "--timeout", "5s");
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.lines().getFirst()).contains("sign-up", "FAIL no answer");
        assertThat(outcome.lines().getLast()).startsWith("synthetic: FAIL at sign-up");
    }

    @Test
    void badUsageExitsTwo() {
        assertThat(synthetic(Map.of(), "--url", "ftp://example.com").exitCode()).isEqualTo(2);
        assertThat(synthetic(Map.of(), "--url", "http://127.0.0.1:1", "--timeout", "0s").exitCode()).isEqualTo(2);
        assertThat(synthetic(Map.of(), "--url", "http://127.0.0.1:1", "--timeout", "soon").exitCode()).isEqualTo(2);
        assertThat(synthetic(Map.of(), "--url", "not a url").exitCode()).isEqualTo(2);
        assertThat(synthetic(Map.of(), "--url", "https://127.0.0.1:1", "--ca-cert", "/nonexistent.pem").exitCode()).isEqualTo(2);
    }
}
