package dev.ladder.sessions;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.JarProcess;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.RedisServer;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes on one MariaDB with sessions in one Redis (sessions.store redis): what the stateless
 * app tier promises. A logout or "log out everywhere" on one node holds on the other at once
 * (no per-node copy to age out), a node killed with SIGKILL logs nobody out, and a dead Redis
 * answers 503 problem+json rather than logging anyone out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionsAcrossNodesIT {
    private MariaDb mariaDb;
    private String database;
    private RedisServer redis;
    private TestApp first;
    private TestApp second;
    private Api one;
    private Api two;

    @BeforeAll
    void startTwoNodesOnOneRedis() throws Exception {
        mariaDb = MariaDb.shared();
        database = mariaDb.createDatabase();
        redis = RedisServer.start();
        first = TestApp.start("single-box", node(redis, 1, "web,worker"));
        second = TestApp.start("single-box", node(redis, 2, "web"));
        one = new Api(first.apiUri());
        two = new Api(second.apiUri());
    }

    private Map<String, String> node(RedisServer server, int id, String roles) {
        Map<String, String> env = TestApp.nodeOverrides(mariaDb, database, id, roles);
        env.put("LADDER_REDIS_MODE", "standalone");
        env.put("LADDER_REDIS_ADDRESS", server.address());
        env.put("LADDER_SESSIONS_STORE", "redis");
        return env;
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {second, first, redis}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** 404 (no such post) for a live token, 401 for a dead one; changes nothing either way. */
    private static int statusWith(Api api, String token) {
        return api.delete("/api/posts/1", bearer(token)).status();
    }

    private static String logIn(Api api, String handle) {
        Api.Reply session = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")));
        assertThat(session.status()).as(session.body()).isEqualTo(201);
        return session.text("token");
    }

    @Test
    void aTokenFromOneNodeWorksOnTheOther() {
        String token = one.signUpAndLogIn(uniqueHandle("shared"));

        assertThat(statusWith(two, token)).isEqualTo(404);
        assertThat(two.post("/api/posts", json(Map.of("body", "written on node two")), bearer(token)).status()).isEqualTo(201);
    }

    @Test
    void loggingOutOnOneNodeStopsTheTokenOnTheOtherAtOnce() {
        String token = one.signUpAndLogIn(uniqueHandle("logout"));
        assertThat(statusWith(two, token)).isEqualTo(404);

        assertThat(one.delete("/api/sessions/current", bearer(token)).status()).isEqualTo(204);

        Api.Reply refused = two.delete("/api/posts/1", bearer(token));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(statusWith(one, token)).isEqualTo(401);
    }

    @Test
    void loggingOutEverywhereOnOneNodeEndsEverySessionOfThatUserOnEveryNode() {
        String handle = uniqueHandle("everywhere");
        String phone = one.signUpAndLogIn(handle);
        String laptop = logIn(two, handle);
        String bystander = one.signUpAndLogIn(uniqueHandle("bystander"));
        assertThat(List.of(statusWith(one, laptop), statusWith(two, phone))).containsOnly(404);

        assertThat(two.delete("/api/sessions", bearer(laptop)).status()).isEqualTo(204);

        for (Api api : List.of(one, two)) {
            assertThat(statusWith(api, phone)).isEqualTo(401);
            assertThat(statusWith(api, laptop)).isEqualTo(401);
            assertThat(statusWith(api, bystander)).isEqualTo(404);
        }
        assertThat(statusWith(one, logIn(one, handle))).as("a new login afterwards").isEqualTo(404);
    }

    @Test
    void killingANodeLogsNobodyOut(@org.junit.jupiter.api.io.TempDir Path workDir) throws Exception {
        Map<String, String> env = node(redis, 3, "web");
        env.put("LADDER_PROFILE", "single-box");
        String token;
        try (JarProcess doomed = JarProcess.start(workDir, env)) {
            Api three = new Api(doomed.apiUri());
            token = three.signUpAndLogIn(uniqueHandle("survivor"));
            assertThat(statusWith(three, token)).isEqualTo(404);

            doomed.kill(); // SIGKILL: nothing of the node's memory survives
            doomed.awaitExit(Duration.ofSeconds(30));
            assertThat(doomed.isAlive()).isFalse();
        }

        assertThat(statusWith(one, token)).isEqualTo(404);
        assertThat(statusWith(two, token)).isEqualTo(404);
    }

    @Test
    void aDeadRedisAnswers503ProblemsAndLogsNobodyOut() throws Exception {
        try (RedisServer own = RedisServer.start("--save", "60 1", "--appendonly", "yes", "--appendfsync", "always");
             TestApp node = TestApp.start("single-box", node(own, 4, "web"))) {
            Api api = new Api(node.apiUri());
            String handle = uniqueHandle("outage");
            String token = api.signUpAndLogIn(handle);
            own.kill();

            Api.Reply change = api.post("/api/posts", json(Map.of("body", "while Redis is down")), bearer(token));
            Api.Reply read = api.get("/api/users/" + handle + "/photos", bearer(token));
            Api.Reply login = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")));
            Api.Reply anonymous = api.get("/api/posts");
            for (Api.Reply reply : List.of(change, read, login)) {
                assertThat(reply.status()).as(reply.body()).isEqualTo(503);
                assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
                assertThat(reply.header("Retry-After")).isNotNull();
            }
            assertThat(anonymous.status()).as("a read that needs no session").isEqualTo(200);

            own.restart(); // with its append-only file: the sessions are back
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> statusWith(api, token) == 404);
        }
    }
}
