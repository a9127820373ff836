package dev.ladder.testing;

import dev.ladder.Main;
import dev.ladder.config.Config;
import dev.ladder.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real node started in the test JVM through the same wiring as production ({@link Main#start}),
 * on free ports, with configuration given as the environment overrides an operator would set.
 */
public final class TestApp implements AutoCloseable {
    private final Main.Running running;

    private TestApp(Main.Running running) {
        this.running = running;
    }

    /** The embedded profile with its data in dataDir. */
    public static TestApp embedded(Path dataDir) {
        return start("embedded", Map.of("LADDER_DATA_DIR", dataDir.toString()));
    }

    /** The single-box profile against a database of the shared test MariaDB. */
    public static TestApp singleBox(MariaDb mariaDb, String database, Path dataDir) {
        return start("single-box", Map.of(
                "LADDER_DATA_DIR", dataDir.toString(),
                "LADDER_DATABASE_URL", mariaDb.jdbcUrl(database),
                "LADDER_DATABASE_USER", mariaDb.user(),
                "LADDER_DATABASE_PASSWORD", mariaDb.password()));
    }

    /**
     * The overrides of one of several nodes on a database of the test MariaDB: its own data
     * folder, node id and roles (a mutable map: a test adds what its nodes share besides).
     */
    public static Map<String, String> nodeOverrides(MariaDb mariaDb, String database, int nodeId, String roles) {
        Map<String, String> env = new HashMap<>();
        try {
            env.put("LADDER_DATA_DIR", java.nio.file.Files.createTempDirectory("ladder-node" + nodeId).toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(database));
        env.put("LADDER_DATABASE_USER", mariaDb.user());
        env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
        env.put("LADDER_NODE_ID", Integer.toString(nodeId));
        env.put("LADDER_NODE_ROLES", roles);
        return env;
    }

    /**
     * The overrides for users-plus on this machine: a database of the test MariaDB, a bucket of
     * the test S3 server and a fresh queue (created at start-up) on the test SQS server.
     */
    public static Map<String, String> usersPlusOverrides(MariaDb mariaDb, String database, S3Server s3, String bucket,
                                                         SqsServer sqs, String queueName, Path dataDir) {
        Map<String, String> env = new HashMap<>();
        env.put("LADDER_DATA_DIR", dataDir.toString());
        env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(database));
        env.put("LADDER_DATABASE_USER", mariaDb.user());
        env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
        env.putAll(s3.storageOverrides(bucket));
        env.putAll(sqs.queueOverrides(queueName));
        return env;
    }

    public static TestApp start(String profile, Map<String, String> overrides) {
        return new TestApp(Main.start(config(profile, overrides)));
    }

    /** A profile's config on free ports, with cheaper (still Argon2id) password hashing for speed. */
    public static Config config(String profile, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("LADDER_HTTP_PORT", "0");
        env.put("LADDER_HTTP_ADMIN_PORT", "0");
        env.put("LADDER_PASSWORDS_ARGON2_MEMORY_KIB", "1024");
        env.put("LADDER_PASSWORDS_ARGON2_ITERATIONS", "1");
        // Tests sign up and write far faster than a person, all from 127.0.0.1; RateLimitTest turns the limits on.
        env.put("LADDER_RATE_LIMITS_ENABLED", "false");
        env.putAll(overrides);
        return ConfigLoader.standard().load(profile, env);
    }

    public Main.Running running() {
        return running;
    }

    public URI apiUri() {
        return URI.create("http://127.0.0.1:" + running.apiPort());
    }

    public URI adminUri() {
        return URI.create("http://127.0.0.1:" + running.adminPort());
    }

    public Config config() {
        return running.config();
    }

    @Override
    public void close() {
        running.close();
    }
}
