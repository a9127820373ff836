package dev.ladder.ids;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.testing.Api;
import dev.ladder.testing.JarProcess;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node-id leases on the real MariaDB: many nodes (threads with their own pools, and real jar
 * processes) starting, stopping, crashing and losing the database, and never two live nodes with
 * one id; expiry and reclaim; a lost renewal; a configured id winning. Leases last 3-6 s here.
 */
class NodeIdLeaseIT {
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration EVENTUALLY = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Every id any node minted, with the node that minted it: a second minting of one id is a duplicate. */
    private final Map<Long, String> minted = new ConcurrentHashMap<>();
    private final List<String> duplicates = new CopyOnWriteArrayList<>();

    private Map<String, String> env(MariaDb mariaDb, String database) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("LADDER_DATA_DIR", Files.createTempDirectory(dir, "data").toString());
        env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(database));
        env.put("LADDER_DATABASE_USER", mariaDb.user());
        env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
        env.put("LADDER_DATABASE_MAX_POOL_SIZE", "3");
        env.put("LADDER_DATABASE_MIN_IDLE", "1");
        env.put("LADDER_NODE_ID", "auto");
        env.put("LADDER_NODE_ID_LEASE", TTL.toSeconds() + "s");
        return env;
    }

    /** A node as far as ids go: its own pool, its lease, and (when asked) a thread minting ids as a busy node would. */
    private final class LeaseNode implements AutoCloseable {
        final String name;
        final Database database;
        final IdGenerator ids;
        final NodeIdLease lease;
        final AtomicBoolean minting = new AtomicBoolean();
        Thread minter;

        LeaseNode(Config config, String name, OptionalInt configured) {
            this.name = name;
            this.database = Database.open(config.database(), config.data().path(), name, new SimpleMeterRegistry());
            this.ids = configured.isPresent() ? new IdGenerator(configured.getAsInt()) : IdGenerator.leased();
            this.lease = NodeIdLease.start(database.jdbi(), ids, configured, name, TTL, null);
        }

        LeaseNode mint() {
            minting.set(true);
            minter = Thread.ofPlatform().name("mint-" + name).start(() -> {
                while (minting.get()) {
                    for (int i = 0; i < 5; i++) {
                        try {
                            record(ids.next(), name);
                        } catch (NodeIdUnavailableException notNow) {
                            break;
                        }
                    }
                    sleep(10);
                }
            });
            return this;
        }

        /** The database becomes unreachable for this node (its pool closes): it can no longer renew. */
        void cutOff() {
            database.close();
        }

        @Override
        public void close() {
            minting.set(false);
            if (minter != null) {
                try {
                    minter.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            lease.close();
            database.close();
        }
    }

    private void record(long id, String by) {
        String before = minted.putIfAbsent(id, by);
        if (before != null) {
            duplicates.add(id + " by " + before + " and " + by);
        }
    }

    @Test
    void manyNodesStartingStoppingAndCrashingNeverShareAnId() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        Config config = TestApp.config("single-box", env(mariaDb, database));
        Database migrator = Database.open(config.database(), config.data().path(), "migrate", new SimpleMeterRegistry());
        migrator.migrate();
        migrator.close();

        List<LeaseNode> live = new CopyOnWriteArrayList<>();
        List<LeaseNode> cutOff = new CopyOnWriteArrayList<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        // Every 20 ms: the ids the live thread nodes may mint with now. A clash seen twice in a row is a violation.
        Thread sampler = Thread.ofPlatform().name("sampler").start(() -> {
            while (sampling.get()) {
                Set<Integer> clashing = clashes(live, cutOff);
                if (!clashing.isEmpty() && !clashes(live, cutOff).isEmpty()) {
                    violations.add("ids " + clashing + " held by two nodes at once");
                }
                sleep(20);
            }
        });

        List<JarProcess> jars = new ArrayList<>();
        List<JarWriter> writers = new ArrayList<>();
        int started = 0;
        Random random = new Random(20261130);
        try {
            for (int i = 0; i < 2; i++) {
                JarProcess jar = JarProcess.start(dir, env(mariaDb, database));
                jars.add(jar);
                writers.add(new JarWriter(jar, "jar" + i));
            }
            for (; started < 8; started++) {
                live.add(new LeaseNode(config, "t" + started, OptionalInt.empty()).mint());
            }
            for (int round = 0; round < 24; round++) {
                LeaseNode victim = live.remove(random.nextInt(live.size()));
                if (round % 3 == 0) {
                    victim.cutOff(); // lost renewal: keeps trying to mint, must stop by itself
                    cutOff.add(victim);
                } else {
                    victim.close(); // clean stop: releases its id
                }
                live.add(new LeaseNode(config, "t" + started++, OptionalInt.empty()).mint());
                if (round == 6) { // a jar dies without releasing; its replacement may not take its id until it expires
                    writers.get(0).stop();
                    jars.get(0).kill();
                    jars.get(0).awaitExit(Duration.ofSeconds(30));
                    JarProcess jar = JarProcess.start(dir, env(mariaDb, database));
                    jars.add(jar);
                    writers.add(new JarWriter(jar, "jar2"));
                }
                if (round == 14) { // a jar stops cleanly (SIGTERM) and another starts
                    writers.get(1).stop();
                    jars.get(1).terminate();
                    assertThat(jars.get(1).awaitExit(Duration.ofSeconds(60))).isZero();
                    JarProcess jar = JarProcess.start(dir, env(mariaDb, database));
                    jars.add(jar);
                    writers.add(new JarWriter(jar, "jar3"));
                }
                sleep(400);
            }
            sleep(TTL.toMillis()); // the last cut-off nodes' leases run out while the others go on
            for (LeaseNode node : cutOff) {
                assertThat(node.ids.canMint()).as(node.name + " was cut off from the database").isFalse();
            }
            // The live nodes, threads and jars, hold distinct ids right now.
            Map<Integer, String> holders = new HashMap<>();
            for (LeaseNode node : live) {
                int id = node.ids.node();
                assertThat(id).as(node.name + " holds an id").isNotNegative();
                assertThat(holders.put(id, node.name)).as("id " + id).isNull();
            }
            for (JarWriter writer : writers) {
                if (writer.running.get()) {
                    int id = IdGenerator.nodeOf(writer.postOnce());
                    assertThat(holders.put(id, writer.name)).as("id " + id + " of " + writer.name).isNull();
                }
            }
        } finally {
            sampling.set(false);
            sampler.join();
            writers.forEach(JarWriter::stop);
            jars.forEach(JarProcess::close);
            live.forEach(LeaseNode::close);
            cutOff.forEach(LeaseNode::close);
        }
        assertThat(duplicates).as("ids minted twice").isEmpty();
        assertThat(violations).isEmpty();
        // Ids were reused: some node id minted for two different holders over the run (reclaimed or released).
        Map<Integer, Set<String>> usersOfId = new HashMap<>();
        minted.forEach((id, by) -> usersOfId.computeIfAbsent(IdGenerator.nodeOf(id), k -> new HashSet<>()).add(by));
        assertThat(usersOfId.values()).anyMatch(users -> users.size() > 1);
        assertThat(minted.values()).anyMatch(by -> by.startsWith("jar"));
        // 2 + 8 nodes alive at most at once, plus the not yet expired leases of dead ones: far below 1024.
        assertThat(usersOfId.keySet()).allMatch(id -> id < 64);
    }

    private static Set<Integer> clashes(List<LeaseNode> live, List<LeaseNode> cutOff) {
        Set<Integer> seen = new HashSet<>();
        Set<Integer> clashing = new HashSet<>();
        for (List<LeaseNode> nodes : List.of(live, cutOff)) {
            for (LeaseNode node : nodes) {
                int id = node.ids.node();
                if (id >= 0 && !seen.add(id)) {
                    clashing.add(id);
                }
            }
        }
        return clashing;
    }

    /** One user posting through a jar, recording every acknowledged post's id. */
    private final class JarWriter {
        final String name;
        final Api api;
        final String token;
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        JarWriter(JarProcess jar, String name) {
            this.name = name;
            this.api = new Api(jar.apiUri());
            this.token = api.signUpAndLogIn(name + "_" + Long.toString(System.nanoTime(), 36));
            this.thread = Thread.ofPlatform().name("writer-" + name).start(() -> {
                while (running.get()) {
                    try {
                        postOnce();
                    } catch (UncheckedIOException | IllegalStateException gone) {
                        // the jar is being stopped
                    }
                    sleep(50);
                }
            });
        }

        long postOnce() {
            Api.Reply reply = api.post("/api/posts", json(Map.of("body", "from " + name)), bearer(token));
            if (reply.status() != 201) {
                throw new IllegalStateException(name + ": " + reply.status() + " " + reply.body());
            }
            long id = IdGenerator.parse(reply.text("id")).orElseThrow();
            record(id, name);
            return id;
        }

        void stop() {
            running.set(false);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void anExpiredIdIsReclaimedAndAReleasedOneIsFreeAtOnceAndTheNextHolderStartsWhereTheLastEnded() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        Config config = TestApp.config("single-box", env(mariaDb, database));
        try (Database migrator = Database.open(config.database(), config.data().path(), "migrate", new SimpleMeterRegistry())) {
            migrator.migrate();
        }
        try (LeaseNode a = new LeaseNode(config, "a", OptionalInt.empty());
             LeaseNode b = new LeaseNode(config, "b", OptionalInt.empty())) {
            assertThat(a.ids.node()).isZero();
            assertThat(b.ids.node()).isEqualTo(1);
            a.ids.next();
            a.cutOff(); // a can no longer renew
            long aEnds = expiresAt(mariaDb, database, 0);
            try (LeaseNode c = new LeaseNode(config, "c", OptionalInt.empty())) {
                assertThat(c.ids.node()).as("0 is still a's").isEqualTo(2);
                eventually(() -> !a.ids.canMint());
                eventually(() -> System.currentTimeMillis() > aEnds);
                try (LeaseNode d = new LeaseNode(config, "d", OptionalInt.empty())) {
                    assertThat(d.ids.node()).as("a's id, expired").isZero();
                    assertThat(IdGenerator.timeOf(d.ids.next()).toEpochMilli()).isGreaterThanOrEqualTo(aEnds);
                    b.close(); // a clean stop releases 1
                    try (LeaseNode e = new LeaseNode(config, "e", OptionalInt.empty())) {
                        assertThat(e.ids.node()).as("b's id, released").isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void aNodeThatCannotRenewStopsWritingAndIsNotReadyThenRecovers() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        Map<String, String> env = env(mariaDb, database);
        env.put("LADDER_NODE_ID_LEASE", "6s");
        try (TestApp node = TestApp.start("single-box", env)) {
            Api api = new Api(node.apiUri());
            Api admin = new Api(node.adminUri());
            String token = api.signUpAndLogIn("renewer");
            assertThat(api.post("/api/posts", json(Map.of("body", "before")), bearer(token)).status()).isEqualTo(201);
            assertThat(admin.get("/health/ready").status()).isEqualTo(200);

            // Another transaction holds the node's lease row: every renewal times out, the database still answers.
            try (Connection blocker = DriverManager.getConnection(mariaDb.jdbcUrl(database), mariaDb.user(), mariaDb.password())) {
                blocker.setAutoCommit(false);
                try (Statement lock = blocker.createStatement()) {
                    lock.executeQuery("SELECT * FROM node_id_leases WHERE node_id = 0 FOR UPDATE").close();
                }
                eventually(() -> admin.get("/health/ready").status() == 503);
                Api.Reply ready = admin.get("/health/ready");
                assertThat(ready.body()).contains("\"database\":\"up\"").contains("\"unmet\":[\"nodeId\"]");
                Api.Reply refused = api.post("/api/posts", json(Map.of("body", "during")), bearer(token));
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.text("type")).isEqualTo("/problems/unavailable");
                assertThat(refused.header("Retry-After")).isEqualTo("1");
                assertThat(api.get("/api/users/renewer").status()).as("reads go on").isEqualTo(200);
                blocker.rollback();
            }
            eventually(() -> admin.get("/health/ready").status() == 200);
            Api.Reply after = api.post("/api/posts", json(Map.of("body", "after")), bearer(token));
            assertThat(after.status()).isEqualTo(201);
            assertThat(IdGenerator.nodeOf(IdGenerator.parse(after.text("id")).orElseThrow())).as("nobody took it meanwhile").isZero();

            // Someone else took the row over (as a node would once the lease expired): the node moves to another id.
            try (Connection sql = DriverManager.getConnection(mariaDb.jdbcUrl(database), mariaDb.user(), mariaDb.password());
                 PreparedStatement steal = sql.prepareStatement(
                         "UPDATE node_id_leases SET holder = 'thief/1', expires_at = ? WHERE node_id = 0")) {
                steal.setLong(1, System.currentTimeMillis() + 600_000);
                steal.executeUpdate();
            }
            eventually(() -> {
                Api.Reply reply = api.post("/api/posts", json(Map.of("body", "moved")), bearer(token));
                return reply.status() == 201 && IdGenerator.nodeOf(IdGenerator.parse(reply.text("id")).orElseThrow()) == 1;
            });
        }
    }

    @Test
    void aConfiguredIdWinsAndAutoNodesKeepOffItForGood() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        Config config = TestApp.config("single-box", env(mariaDb, database));
        try (Database migrator = Database.open(config.database(), config.data().path(), "migrate", new SimpleMeterRegistry())) {
            migrator.migrate();
        }
        try (LeaseNode auto = new LeaseNode(config, "auto", OptionalInt.empty())) {
            assertThat(auto.ids.node()).isZero();
            long autoEnds = expiresAt(mariaDb, database, 0);
            try (LeaseNode configured = new LeaseNode(config, "configured", OptionalInt.of(0))) {
                assertThat(IdGenerator.timeOf(configured.ids.next()).toEpochMilli())
                        .as("it mints past every id the auto node may have made").isGreaterThanOrEqualTo(autoEnds);
                eventually(() -> auto.ids.node() == 1);
            }
            try (LeaseNode later = new LeaseNode(config, "later", OptionalInt.empty())) {
                assertThat(later.ids.node()).as("0 was configured once: reserved").isEqualTo(2);
            }
        }
    }

    @Test
    void withEveryIdTakenANodeStartsNotReadyRefusesWritesAndBecomesReadyWhenOneFrees(@TempDir Path data) throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        Config config = TestApp.config("single-box", env(mariaDb, database));
        try (Database migrator = Database.open(config.database(), config.data().path(), "migrate", new SimpleMeterRegistry())) {
            migrator.migrate();
        }
        try (Connection sql = DriverManager.getConnection(mariaDb.jdbcUrl(database), mariaDb.user(), mariaDb.password());
             PreparedStatement insert = sql.prepareStatement("INSERT INTO node_id_leases VALUES (?, ?, 'other', 0, 0, ?)")) {
            for (int id = 0; id < 1024; id++) {
                insert.setInt(1, id);
                insert.setString(2, "other/" + id);
                insert.setLong(3, System.currentTimeMillis() + 600_000);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        Map<String, String> env = env(mariaDb, database);
        try (TestApp node = TestApp.start("single-box", env)) {
            Api api = new Api(node.apiUri());
            Api admin = new Api(node.adminUri());
            assertThat(admin.get("/health/ready").status()).isEqualTo(503);
            assertThat(admin.get("/health/ready").body()).contains("\"unmet\":[\"nodeId\"]");
            Api.Reply refused = api.post("/api/users", json(Map.of("handle", "early", "email", "early@example.com",
                    "password", "long enough")));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.text("type")).isEqualTo("/problems/unavailable");

            try (Connection sql = DriverManager.getConnection(mariaDb.jdbcUrl(database), mariaDb.user(), mariaDb.password());
                 Statement free = sql.createStatement()) {
                free.executeUpdate("UPDATE node_id_leases SET expires_at = 1 WHERE node_id = 700");
            }
            eventually(() -> admin.get("/health/ready").status() == 200);
            Api.Reply created = api.post("/api/users", json(Map.of("handle", "late", "email", "late@example.com",
                    "password", "long enough")));
            assertThat(created.status()).isEqualTo(201);
            assertThat(IdGenerator.nodeOf(IdGenerator.parse(created.text("id")).orElseThrow())).isEqualTo(700);
        }
    }

    @Test
    void theEmbeddedH2DatabaseLeasesIdsToo(@TempDir Path data) {
        Map<String, String> env = Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_NODE_ID", "auto");
        for (int run = 0; run < 2; run++) { // the second run takes the id the first released
            try (TestApp node = TestApp.start("embedded", env)) {
                Api api = new Api(node.apiUri());
                assertThat(new Api(node.adminUri()).get("/health/ready").status()).isEqualTo(200);
                Api.Reply created = api.post("/api/users", json(Map.of("handle", "h2user" + run, "email", "h2" + run + "@example.com",
                        "password", "long enough")));
                assertThat(created.status()).isEqualTo(201);
                assertThat(IdGenerator.nodeOf(IdGenerator.parse(created.text("id")).orElseThrow())).isZero();
            }
        }
    }

    private static long expiresAt(MariaDb mariaDb, String database, int id) throws SQLException {
        try (Connection sql = DriverManager.getConnection(mariaDb.jdbcUrl(database), mariaDb.user(), mariaDb.password());
             PreparedStatement query = sql.prepareStatement("SELECT expires_at FROM node_id_leases WHERE node_id = ?")) {
            query.setInt(1, id);
            try (ResultSet rs = query.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    private static void eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + EVENTUALLY.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + EVENTUALLY);
            }
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
