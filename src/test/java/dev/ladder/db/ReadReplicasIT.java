package dev.ladder.db;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.config.Config;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A write node and a read-only node on a real MariaDB primary with a real replica following it by
 * GTID. Reads that may be stale are the replica's (a user that exists only on the replica proves
 * it), writes are the primary's, and a client always reads its own writes on the other node, also
 * while the replica stands still; a client that wrote nothing may see the replica's older data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadReplicasIT {
    /** A user inserted on the replica alone: only a read served by the replica can find it. */
    private static final String ONLY_ON_REPLICA = "only_on_replica";
    private static final String INSERT_USER = "INSERT INTO users (id, handle, email, password_hash, created_at) VALUES (?, ?, 'x@example.com', 'x', 0)";
    private static final Pattern POSITION_COOKIE = Pattern.compile(ReadYourWritesHandler.COOKIE + "=([^;]*)");

    private MariaDb primary;
    private MariaDb replica;
    private String database;
    private TestApp writeNode;
    private TestApp readNode;
    private Api writer;
    private Api reader;

    @BeforeAll
    void startPrimaryReplicaAndTwoNodes() throws Exception {
        primary = MariaDb.startPrimary();
        replica = MariaDb.startReplicaOf(primary);
        database = primary.createDatabase();
        writeNode = TestApp.start("single-box", node(1, "write-api,worker"));
        readNode = TestApp.start("single-box", node(2, "read-api"));
        writer = new Api(writeNode.apiUri());
        reader = new Api(readNode.apiUri());
        replica.awaitCaughtUpWith(primary); // the schema, migrated on the primary
        execute(replica, "INSERT INTO users (id, handle, email, password_hash, created_at) VALUES (1, ?, 'x@example.com', 'x', 0)",
                ONLY_ON_REPLICA);
    }

    private Map<String, String> node(int id, String roles) {
        Map<String, String> env = TestApp.nodeOverrides(primary, database, id, roles);
        env.put("LADDER_DATABASE_REPLICA_URL", replica.jdbcUrl(database));
        return env;
    }

    @AfterAll
    void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {readNode, writeNode, replica, primary}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + closeable + ": " + e);
            }
        }
    }

    @Test
    void readsThatMayBeStaleAreTheReplicasAndWritesThePrimarys() throws SQLException {
        assertThat(reader.get("/api/users/" + ONLY_ON_REPLICA).status()).isEqualTo(200);
        assertThat(writer.get("/api/users/" + ONLY_ON_REPLICA).status()).isEqualTo(200);
        // limit=5: not the first page the shared cache keeps for everyone (that one is read from the primary).
        Reply posts = reader.get("/api/users/" + ONLY_ON_REPLICA + "/posts?limit=5");
        assertThat(posts.status()).isEqualTo(200);
        assertThat(posts.json().get("items")).isEmpty();

        writer.signUpAndLogIn("written_here");
        assertThat(count(primary, "SELECT COUNT(*) FROM users WHERE handle = 'written_here'")).isEqualTo(1);
        assertThat(count(primary, "SELECT COUNT(*) FROM users WHERE handle = '" + ONLY_ON_REPLICA + "'")).isZero();
        assertThat(metric(readNode, "ladder_db_replica_reads_total")).isPositive();
    }

    @Test
    void aClientReadsItsOwnWritesOnAnotherNodeWhileTheReplicaStandsStill() {
        String token = writer.signUpAndLogIn("stalled_writer");
        replica.awaitCaughtUpWith(primary);
        replica.pauseReplication();
        try {
            String position = null;
            for (int i = 0; i < 25; i++) {
                Reply created = writer.post("/api/posts", json(Map.of("body", "while stalled " + i)), withPosition(position, bearer(token)));
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                position = positionIn(created);
                assertThat(position).as("the write's response carries its position").isNotNull();

                Reply mine = reader.get("/api/users/stalled_writer/posts?limit=1", withPosition(position));
                assertThat(mine.status()).isEqualTo(200);
                assertThat(mine.json().get("items").get(0).get("body").asText()).isEqualTo("while stalled " + i);
            }
            // Someone who wrote nothing reads the replica as it is: behind.
            Reply theirs = reader.get("/api/users/stalled_writer/posts?limit=5");
            assertThat(theirs.status()).isEqualTo(200);
            assertThat(theirs.json().get("items")).isEmpty();
            // Except the first page, which a cache keeps for everyone: that one is always the primary's.
            Reply firstPage = reader.get("/api/users/stalled_writer/posts");
            assertThat(firstPage.json().get("items")).hasSize(20);
            assertThat(metric(readNode, "ladder_db_replica_fallbacks_total", "reason=\"behind\"")).isGreaterThanOrEqualTo(25);
        } finally {
            replica.resumeReplication();
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(reader.get("/api/users/stalled_writer/posts?limit=100").json().get("items")).hasSize(25));
    }

    @Test
    void readYourWritesHoldsForEveryPairWhileTheReplicaKeepsUp() {
        String token = writer.signUpAndLogIn("busy_writer");
        String position = null;
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Reply created = writer.post("/api/posts", json(Map.of("body", "pair " + i)), withPosition(position, bearer(token)));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            position = positionIn(created);
            Reply read = reader.get("/api/users/busy_writer/posts?limit=1", withPosition(position));
            String newest = read.json().get("items").path(0).path("body").asText();
            if (!newest.equals("pair " + i)) {
                missed.add(i + ": " + newest);
            }
        }
        assertThat(missed).as("reads that missed their own write").isEmpty();
        assertThat(metric(readNode, "ladder_db_replica_gtid_waits_seconds_count", "outcome=\"reached\"")).isPositive();
    }

    @Test
    void aPositionCookieThatIsNotOneIsIgnored() {
        for (String garbage : List.of("garbage", "0-1-2.0-1-3", "0-1-99999999999999999999999", "-1-1-1", "9".repeat(4000), "", "0-1-2,1-1-1")) {
            Reply read = reader.get("/api/users/" + ONLY_ON_REPLICA, "Cookie", ReadYourWritesHandler.COOKIE + "=" + garbage);
            assertThat(read.status()).as("cookie %s", garbage.length() > 40 ? garbage.substring(0, 40) + "..." : garbage).isEqualTo(200);
        }
    }

    @Test
    void aPositionTheReplicaHasNotReachedSendsTheReadToThePrimary() {
        // Well formed but far ahead (forged, or from a primary the replica does not follow): after
        // readYourWritesWait the primary answers, where the replica-only user does not exist.
        Reply read = reader.get("/api/users/" + ONLY_ON_REPLICA, "Cookie", ReadYourWritesHandler.COOKIE + "=0-1-18446744073709551615");
        assertThat(read.status()).isEqualTo(404);
    }

    @Test
    void theReplicaLagIsAMetric() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metric(readNode, "ladder_db_replica_lag_seconds")).isEqualTo(0.0));
    }

    @Test
    void whatAWriteRequestWritesMovesItsClientsPositionAndNothingElseDoes() throws Exception {
        Config config = TestApp.config("single-box", node(3, "worker"));
        try (Database db = Database.open(config.database(), config.data().path(), "tracking", new SimpleMeterRegistry())) {
            List<GtidPosition> handedBack = new ArrayList<>();
            ReadYourWrites.Client writing = new ReadYourWrites.Client(null, handedBack::add);
            ScopedValue.where(ReadYourWrites.CLIENT, writing).run(() -> {
                db.jdbi().useHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
                assertThat(handedBack).as("a handle that only read").isEmpty();
                db.jdbi().useHandle(handle -> handle.execute(INSERT_USER, 101, "tracked_one"));
                db.jdbi().useTransaction(handle -> handle.execute(INSERT_USER, 102, "tracked_two"));
            });
            assertThat(handedBack).hasSize(2);
            assertThat(writing.position()).contains(handedBack.getLast());
            assertThat(handedBack.getLast().toString()).isEqualTo(primary.queryAsRoot("SELECT @@gtid_binlog_pos"));

            ReadYourWrites.Client reading = new ReadYourWrites.Client(null, null);
            ScopedValue.where(ReadYourWrites.CLIENT, reading).run(() ->
                    db.jdbi().useHandle(handle -> handle.execute(INSERT_USER, 103, "side_write")));
            assertThat(reading.position()).as("a read request's side writes").isEmpty();

            db.jdbi().useHandle(handle -> handle.execute(INSERT_USER, 104, "no_request"));
            assertThat(handedBack).hasSize(2);
        }
    }

    @Test
    void oneWriteMadeForSeveralClientsMovesEachOnesPosition() throws Exception {
        // dev.ladder.posts.GroupInsert: one thread's INSERT carries the rows of several requests.
        Config config = TestApp.config("single-box", node(3, "worker"));
        try (Database db = Database.open(config.database(), config.data().path(), "group-tracking", new SimpleMeterRegistry())) {
            List<GtidPosition> first = new ArrayList<>();
            List<GtidPosition> second = new ArrayList<>();
            List<GtidPosition> leader = new ArrayList<>();
            ReadYourWrites.Capture one = ScopedValue.where(ReadYourWrites.CLIENT, new ReadYourWrites.Client(null, first::add))
                    .call(ReadYourWrites::capture);
            ReadYourWrites.Capture two = ScopedValue.where(ReadYourWrites.CLIENT, new ReadYourWrites.Client(null, second::add))
                    .call(ReadYourWrites::capture);
            ReadYourWrites.Capture reading = ScopedValue.where(ReadYourWrites.CLIENT, new ReadYourWrites.Client(null, null))
                    .call(ReadYourWrites::capture);
            // Run on a thread bound to a third client (the group's leader), whose own post is not in this group.
            ScopedValue.where(ReadYourWrites.CLIENT, new ReadYourWrites.Client(null, leader::add)).run(() ->
                    ReadYourWrites.runFor(List.of(one, two, reading), () -> db.jdbi().useTransaction(handle -> {
                        handle.execute(INSERT_USER, 111, "grouped_one");
                        handle.execute(INSERT_USER, 112, "grouped_two");
                    })));
            String written = primary.queryAsRoot("SELECT @@gtid_binlog_pos");
            assertThat(first).hasSize(1).allMatch(position -> position.toString().equals(written));
            assertThat(second).isEqualTo(first);
            assertThat(leader).as("a client whose rows were not in the group").isEmpty();

            ReadYourWrites.runFor(List.of(reading, ReadYourWrites.capture()), () ->
                    db.jdbi().useHandle(handle -> handle.execute(INSERT_USER, 113, "grouped_for_nobody")));
            assertThat(first).hasSize(1);
        }
    }

    @Test
    void aUserWhoMayNotSeeReplicaStatusLeavesTheLagUnknownAndNothingElse() {
        replica.asRoot("CREATE USER 'no_monitor'@'%' IDENTIFIED BY 'no_monitor'",
                "GRANT SELECT ON `" + database + "`.* TO 'no_monitor'@'%'");
        try (ReplicaLag lag = new ReplicaLag(Jdbi.create(replica.jdbcUrl(database), "no_monitor", "no_monitor"), new SimpleMeterRegistry())) {
            lag.sample();
            assertThat(lag.seconds()).isNaN();
        }
        try (ReplicaLag lag = new ReplicaLag(Jdbi.create(replica.jdbcUrl(database), replica.user(), replica.password()), new SimpleMeterRegistry())) {
            lag.sample();
            assertThat(lag.seconds()).isEqualTo(0.0);
        }
    }

    private static String[] withPosition(String position, String... headers) {
        if (position == null) {
            return headers;
        }
        String[] all = java.util.Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "Cookie";
        all[headers.length + 1] = ReadYourWritesHandler.COOKIE + "=" + position;
        return all;
    }

    private static String positionIn(Reply reply) {
        for (String setCookie : reply.headers().allValues("Set-Cookie")) {
            Matcher matcher = POSITION_COOKIE.matcher(setCookie);
            if (matcher.find()) {
                assertThat(setCookie).containsIgnoringCase("HttpOnly");
                return matcher.group(1);
            }
        }
        return null;
    }

    /**
     * The sum of a metric's samples on the node's Prometheus page: name, then label="value" pairs that
     * must be among the sample's labels (the registry adds its own, such as the node's). NaN when absent.
     */
    static double metric(TestApp node, String name, String... labels) {
        String page = new Api(node.adminUri()).get("/metrics").body();
        double sum = 0;
        boolean found = false;
        for (String line : page.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            if (end < 0 || !line.substring(0, end).equals(name)) {
                continue;
            }
            boolean matches = true;
            for (String label : labels) {
                matches &= line.contains(label);
            }
            if (matches) {
                found = true;
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return found ? sum : Double.NaN;
    }

    private void execute(MariaDb server, String sql, String... parameters) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }

    private long count(MariaDb server, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
             PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
