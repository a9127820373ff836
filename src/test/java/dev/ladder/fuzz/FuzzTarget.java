package dev.ladder.fuzz;

import dev.ladder.config.Config;
import dev.ladder.photos.SyntheticPhoto;
import dev.ladder.testing.Api;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.TestApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A real node on the embedded profile (the same wiring as production, rate limits off as in every
 * test), web role only so that no worker or housekeeping changes anything behind the fuzzer's
 * back, with a few users, posts and photos to aim at, and a snapshot of everything it stores:
 * the row count of every table (plus sums that move on any edit) and the object store's listing.
 */
public final class FuzzTarget implements AutoCloseable {
    /** The seeded users; each has a live bearer token. */
    public static final List<String> USERS = List.of("alice", "bob", "carol");

    /** What exists to be aimed at: names of seeded things, resolved to ids at send time. */
    public enum Seed {
        ALICE_POST, BOB_POST, ALICE_PUBLISHED_PHOTO, ALICE_PRIVATE_PHOTO, BOB_PHOTO
    }

    /** Everything the node stores, compared before and after each refused request. */
    public record State(Map<String, String> tables, Map<String, Long> objects) {
    }

    private final Path dataDir;
    private final TestApp app;
    private final Api api;
    private final Connection database;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<Seed, String> seeds = new ConcurrentHashMap<>();
    private final List<String> tables;
    private final S3Server s3;
    private final String bucket;

    private FuzzTarget(Path dataDir, TestApp app, S3Server s3, String bucket) {
        this.dataDir = dataDir;
        this.app = app;
        this.s3 = s3;
        this.bucket = bucket;
        this.api = new Api(app.apiUri());
        Config.Database db = app.config().database();
        try {
            this.database = DriverManager.getConnection(db.resolvedUrl(app.config().data().path()), db.user(), db.password());
            this.tables = tableNames(database);
        } catch (SQLException | RuntimeException e) {
            app.close();
            throw new IllegalStateException("cannot open the node's database", e);
        }
    }

    public static FuzzTarget start(Path dataDir) {
        return start(dataDir, null, null);
    }

    /** With s3 and bucket: objects in that bucket of the test S3 server (direct uploads work), else on local disk. */
    public static FuzzTarget start(Path dataDir, S3Server s3, String bucket) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("LADDER_DATA_DIR", dataDir.toString());
        env.put("LADDER_NODE_ROLES", "web");
        if (s3 != null) {
            env.putAll(s3.storageOverrides(bucket));
        }
        TestApp app = TestApp.start("embedded", env);
        FuzzTarget target = new FuzzTarget(dataDir, app, s3, bucket);
        try {
            for (String user : USERS) {
                target.tokens.put(user, target.api.signUpAndLogIn(user));
            }
            target.replenish();
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
        return target;
    }

    public TestApp app() {
        return app;
    }

    public Api api() {
        return api;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String host() {
        return app.apiUri().getHost();
    }

    public int port() {
        return app.apiUri().getPort();
    }

    public String token(String user) {
        return tokens.get(user);
    }

    public String seed(Seed seed) {
        return seeds.get(seed);
    }

    /** Logs a user in again (their session was ended by a fuzzed DELETE /api/sessions/current that was allowed). */
    public void logInAgain(String user) {
        Api.Reply session = api.post("/api/sessions", Api.json(Map.of("handle", user, "password", "password123")));
        if (session.status() != 201) {
            throw new IllegalStateException("log-in failed: " + session);
        }
        tokens.put(user, session.text("token"));
    }

    /** Makes sure every user's token works and every seed exists, re-creating what allowed requests took away. */
    public void replenish() {
        for (String user : USERS) {
            // A route that needs a user: 401 if the token no longer works, else 404 (no such post), and nothing changes.
            if (api.delete("/api/posts/1", Api.bearer(tokens.get(user))).status() == 401) {
                logInAgain(user);
            }
        }
        String alice = tokens.get("alice");
        String bob = tokens.get("bob");
        if (missing("/api/photos/", Seed.ALICE_PRIVATE_PHOTO, alice)) {
            seeds.put(Seed.ALICE_PRIVATE_PHOTO, upload(alice, 1));
        }
        if (missing("/api/photos/", Seed.BOB_PHOTO, bob)) {
            seeds.put(Seed.BOB_PHOTO, upload(bob, 2));
        }
        if (missing("/api/posts/", Seed.ALICE_POST, alice) || missing("/api/photos/", Seed.ALICE_PUBLISHED_PHOTO, alice)) {
            String photo = upload(alice, 3);
            Api.Reply post = api.post("/api/posts", Api.json(Map.of("body", "alice's post", "photoIds", List.of(photo))), Api.bearer(alice));
            expect(post, 201);
            seeds.put(Seed.ALICE_PUBLISHED_PHOTO, photo);
            seeds.put(Seed.ALICE_POST, post.text("id"));
        }
        if (missing("/api/posts/", Seed.BOB_POST, bob)) {
            Api.Reply post = api.post("/api/posts", Api.json(Map.of("body", "bob's post")), Api.bearer(bob));
            expect(post, 201);
            seeds.put(Seed.BOB_POST, post.text("id"));
        }
    }

    private boolean missing(String prefix, Seed seed, String ownerToken) {
        String id = seeds.get(seed);
        return id == null || api.get(prefix + id, Api.bearer(ownerToken)).status() != 200;
    }

    private String upload(String token, long seed) {
        Api.Reply reply = api.sendBytes("POST", "/api/photos", SyntheticPhoto.png(24, 16, seed), "image/png", Api.bearer(token));
        expect(reply, 202);
        return reply.text("id");
    }

    private static void expect(Api.Reply reply, int status) {
        if (reply.status() != status) {
            throw new IllegalStateException("seeding: expected " + status + ", got " + reply);
        }
    }

    /** Row counts of every table, sums that any edit moves, and every stored object with its size. */
    public State snapshot() {
        Map<String, String> rows = new TreeMap<>();
        try (Statement statement = database.createStatement()) {
            for (String table : tables) {
                rows.put(table, single(statement, "SELECT COUNT(*) FROM \"" + table + "\""));
            }
            rows.put("posts.versions", single(statement, "SELECT COALESCE(SUM(version), 0) || '/' || COALESCE(SUM(updated_at), 0) FROM posts"));
            rows.put("photos.updates", single(statement, "SELECT COALESCE(SUM(updated_at), 0) FROM photos"));
            rows.put("sessions.expiry", single(statement, "SELECT COALESCE(SUM(expires_at), 0) FROM sessions"));
        } catch (SQLException e) {
            throw new IllegalStateException("snapshot failed", e);
        }
        return new State(rows, objects());
    }

    private Map<String, Long> objects() {
        if (s3 != null) {
            Map<String, Long> objects = new TreeMap<>();
            s3.client().listObjectsV2Paginator(request -> request.bucket(bucket)).contents()
                    .forEach(object -> objects.put(object.key(), object.size()));
            return objects;
        }
        Path root = app.config().storage().local().resolvedDir(app.config().data().path());
        Map<String, Long> objects = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return objects;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                objects.put(root.relativize(file).toString(), Files.size(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return objects;
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    private static List<String> tableNames(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(
                     "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE UPPER(TABLE_SCHEMA) = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE'")) {
            while (result.next()) {
                names.add(result.getString(1));
            }
        }
        if (names.size() < 9) {
            throw new IllegalStateException("expected every table of the schema, found " + names);
        }
        return names;
    }

    @Override
    public void close() {
        try {
            database.close();
        } catch (SQLException e) {
            // closing anyway
        }
        app.close();
    }
}
