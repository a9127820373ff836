package dev.ladder.seed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seeder on the embedded profile (H2): counts, idempotence, skew, body sizes, and a working log-in. */
class SeederTest {
    @TempDir
    Path dataDir;

    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    private Database open() {
        var config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", dataDir.toString()));
        Database database = Database.open(config.database(), config.data().path(), "seed-test", new SimpleMeterRegistry());
        database.migrate();
        return database;
    }

    private Seeder seeder(Database database) {
        return new Seeder(database.jdbi(), new IdGenerator(SeedCommand.SEED_NODE), Clock.systemUTC(),
                new PrintStream(progress, true, StandardCharsets.UTF_8));
    }

    private static long count(Jdbi jdbi, String sql) {
        return jdbi.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void seedsTheRequestedUsersAndPostsAndReportsProgress() {
        try (Database database = open()) {
            Seeder.Result result = seeder(database).seed(new Seeder.Plan(50, 1200, 1.0, 100, 7), "$argon2id$stand-in");

            assertThat(result.usersWritten()).isEqualTo(50);
            assertThat(result.postsWritten()).isEqualTo(1200);
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM users")).isEqualTo(50);
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM posts")).isEqualTo(1200);
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM users WHERE handle = 'seed_0000050'")).isEqualTo(1);
            // Every post has a seeded author, by id and by handle.
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM posts p JOIN users u ON u.id = p.author_id AND u.handle = p.author_handle"))
                    .isEqualTo(1200);
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("posts").contains("1200/1200");
        }
    }

    @Test
    void rerunningAddsOnlyWhatIsMissing() {
        try (Database database = open()) {
            Seeder seeder = seeder(database);
            seeder.seed(new Seeder.Plan(20, 300, 1.0, 64, 7), "hash");

            Seeder.Result again = seeder.seed(new Seeder.Plan(20, 300, 1.0, 64, 7), "hash");
            assertThat(again.usersFound()).isEqualTo(20);
            assertThat(again.usersWritten()).isZero();
            assertThat(again.postsFound()).isEqualTo(300);
            assertThat(again.postsWritten()).isZero();

            Seeder.Result more = seeder.seed(new Seeder.Plan(30, 500, 1.0, 64, 7), "hash");
            assertThat(more.usersWritten()).isEqualTo(10);
            assertThat(more.postsWritten()).isEqualTo(200);
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM users")).isEqualTo(30);
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM posts")).isEqualTo(500);
        }
    }

    @Test
    void bodiesAreEightHundredToOneThousandTwentyFourBytesAndAuthorsAreSkewed() {
        try (Database database = open()) {
            seeder(database).seed(new Seeder.Plan(100, 2000, 1.0, 500, 7), "hash");

            assertThat(count(database.jdbi(), "SELECT MIN(OCTET_LENGTH(body)) FROM posts")).isGreaterThanOrEqualTo(800);
            assertThat(count(database.jdbi(), "SELECT MAX(OCTET_LENGTH(body)) FROM posts")).isLessThanOrEqualTo(1024);
            long top = count(database.jdbi(), "SELECT COUNT(*) FROM posts WHERE author_handle = 'seed_0000001'");
            long median = count(database.jdbi(), "SELECT COUNT(*) FROM posts WHERE author_handle = 'seed_0000050'");
            // Zipf with s = 1 over 100 users: rank 1 gets about 19 % of posts, rank 50 about 0.4 %.
            assertThat(top).isGreaterThan(10 * Math.max(1, median));
        }
    }

    @Test
    void writesTheNewestPostIdsHottestFirst() throws Exception {
        try (Database database = open()) {
            Seeder seeder = seeder(database);
            seeder.seed(new Seeder.Plan(5, 40, 1.0, 16, 7), "hash");

            Path file = dataDir.resolve("ids/hot.txt");
            assertThat(seeder.writeHotIds(file, 25)).isEqualTo(25);

            List<Long> ids = Files.readAllLines(file).stream().map(Long::parseLong).toList();
            assertThat(ids).hasSize(25).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> Long.compare(b, a));
            assertThat(ids.getFirst()).isEqualTo(count(database.jdbi(), "SELECT MAX(id) FROM posts"));
        }
    }

    @Test
    void seededUsersLogInWithTheDocumentedPasswordAndTheirPostsAreServed() {
        var env = Map.of("LADDER_DATA_DIR", dataDir.toString());
        var config = TestApp.config("embedded", env);
        var out = new PrintStream(progress, true, StandardCharsets.UTF_8);
        // The command itself, with the test's cheap Argon2 settings passed as an operator would.
        var command = new SeedCommand(Map.of("LADDER_DATA_DIR", dataDir.toString(),
                "LADDER_PASSWORDS_ARGON2_MEMORY_KIB", "1024", "LADDER_PASSWORDS_ARGON2_ITERATIONS", "1"), out);
        int exit = new picocli.CommandLine(command).execute("--users", "3", "--posts", "30",
                "--ids-out", dataDir.resolve("ids.txt").toString(), "--ids-count", "5");
        assertThat(exit).as(progress.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(config.data().path()).isEqualTo(dataDir.toAbsolutePath().normalize());

        try (TestApp app = TestApp.start("embedded", env)) {
            Api api = new Api(app.apiUri());
            Api.Reply session = api.post("/api/sessions", Api.json(Map.of("handle", "seed_0000001", "password", Seeder.PASSWORD)));
            assertThat(session.status()).as(session.body()).isEqualTo(201);

            String hottest = Files.readAllLines(dataDir.resolve("ids.txt")).getFirst();
            Api.Reply post = api.get("/api/posts/" + hottest);
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.text("author")).startsWith("seed_");

            // A load test writing as a seeded user adds posts the seeder does not count as its own.
            Api.Reply written = api.post("/api/posts", Api.json(Map.of("body", "written by a load test")),
                    Api.bearer(session.text("token")));
            assertThat(written.status()).isEqualTo(201);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (Database database = open()) {
            assertThat(count(database.jdbi(), "SELECT COUNT(*) FROM posts")).isEqualTo(31);
            assertThat(seeder(database).countSeededPosts()).isEqualTo(30);
        }
    }

    @Test
    void refusesAPlanOutOfBounds() {
        var out = new PrintStream(progress, true, StandardCharsets.UTF_8);
        int exit = new picocli.CommandLine(new SeedCommand(Map.of("LADDER_DATA_DIR", dataDir.toString()), out))
                .execute("--users", "0");
        assertThat(exit).isEqualTo(2);
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("users must be 1-");
    }
}
