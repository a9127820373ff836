package dev.ladder.seed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.MariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `java -jar ladder.jar seed` as an operator runs it, against a real MariaDB (single-box). */
class SeedCommandIT {
    @TempDir
    Path workDir;

    private record Run(int exitCode, String output) {
    }

    private Run seed(Map<String, String> env, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-jar", System.getProperty("ladder.jar", "target/ladder.jar"), "seed"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Path log = workDir.resolve("seed-" + System.nanoTime() + ".log");
        Process process = builder.redirectOutput(log.toFile()).start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("seed did not finish in 3 minutes:\n" + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readString(log));
    }

    private static long count(MariaDb db, String database, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void seedsMariaDbInBatchesAndARerunAddsNothing() throws Exception {
        MariaDb db = MariaDb.shared();
        String database = db.createDatabase();
        Map<String, String> env = Map.of(
                "LADDER_DATA_DIR", workDir.resolve("data").toString(),
                "LADDER_DATABASE_URL", db.jdbcUrl(database) + "&rewriteBatchedStatements=true",
                "LADDER_DATABASE_USER", db.user(),
                "LADDER_DATABASE_PASSWORD", db.password(),
                "LADDER_PASSWORDS_ARGON2_MEMORY_KIB", "1024",
                "LADDER_PASSWORDS_ARGON2_ITERATIONS", "1");
        String[] plan = {"--profile", "single-box", "--users", "200", "--posts", "5000", "--batch", "500",
                "--ids-out", "hot-ids.txt", "--ids-count", "100"};

        Run first = seed(env, plan);
        assertThat(first.exitCode()).as(first.output()).isZero();
        assertThat(first.output()).contains("Users: 0 found, 200 written").contains("Posts: 0 found, 5,000 written")
                .contains("password of every seeded user: " + Seeder.PASSWORD).contains("posts/s");
        assertThat(count(db, database, "SELECT COUNT(*) FROM users")).isEqualTo(200);
        assertThat(count(db, database, "SELECT COUNT(*) FROM posts")).isEqualTo(5000);
        assertThat(count(db, database, "SELECT MIN(LENGTH(body)) FROM posts")).isGreaterThanOrEqualTo(800);
        assertThat(count(db, database, "SELECT MAX(LENGTH(body)) FROM posts")).isLessThanOrEqualTo(1024);
        assertThat(Files.readAllLines(workDir.resolve("hot-ids.txt"))).hasSize(100);

        Run again = seed(env, plan);
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("Users: 200 found, 0 written").contains("Posts: 5,000 found, 0 written");
        assertThat(count(db, database, "SELECT COUNT(*) FROM posts")).isEqualTo(5000);
    }

    @Test
    void aBadProfileValueStopsWithTheKeyNamed() throws Exception {
        Run run = seed(Map.of("LADDER_DATA_DIR", workDir.toString(), "LADDER_DATABASE_MAX_POOL_SIZE", "0"),
                "--profile", "embedded");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("database.maxPoolSize");
    }
}
