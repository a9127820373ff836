package dev.ladder.posts;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.RedisServer;
import dev.ladder.testing.TestApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes on one MariaDB and one Redis (cache.kind redis), each with a near cache: the
 * guarantees README's "Cache (Users+++)" states. Entries and near copies live far longer than
 * the test waits (a minute, 30 s), so what the other node sees at once it sees through pub/sub.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedPostCacheAcrossNodesIT {
    /** Pub/sub delivery on a loaded machine: a margin, not a speed requirement (the TTLs are far longer). */
    private static final Duration DELIVERY = Duration.ofSeconds(5);

    private RedisServer redis;
    private TestApp writeNode;
    private TestApp readNode;
    private Api writer;
    private Api reader;
    private String handle;
    private String token;

    @BeforeAll
    void startTwoNodesOnOneDatabaseAndOneRedis() throws Exception {
        redis = RedisServer.start();
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        writeNode = TestApp.start("single-box", node(mariaDb, database, 1, "write-api,worker"));
        readNode = TestApp.start("single-box", node(mariaDb, database, 2, "read-api"));
        writer = new Api(writeNode.apiUri());
        reader = new Api(readNode.apiUri());
        handle = uniqueHandle("shared");
        token = writer.signUpAndLogIn(handle);
    }

    private Map<String, String> node(MariaDb mariaDb, String database, int id, String roles) {
        Map<String, String> env = TestApp.nodeOverrides(mariaDb, database, id, roles);
        env.put("LADDER_REDIS_MODE", "standalone");
        env.put("LADDER_REDIS_ADDRESS", redis.address());
        env.put("LADDER_CACHE_KIND", "redis");
        env.put("LADDER_CACHE_NEAR_CACHE_TTL", "30s");
        env.put("LADDER_CACHE_BREAKER_OPEN_FOR", "500ms");
        env.put("LADDER_POSTS_CACHE_TTL", "60s");
        return env;
    }

    @AfterAll
    void stop() {
        if (readNode != null) {
            readNode.close();
        }
        if (writeNode != null) {
            writeNode.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private String body(Api api, String path) {
        Reply reply = api.get(path);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().get("body").asText();
    }

    @Test
    void anEditIsSeenThroughTheOtherNodeAtOnceNotAfterTheTtl() {
        String path = "/api/posts/" + writer.post("/api/posts", json(Map.of("body", "first version")), bearer(token)).text("id");
        assertThat(body(reader, path)).isEqualTo("first version");
        assertThat(body(reader, path)).isEqualTo("first version"); // now in the reader's near cache, for 30 s

        Reply edited = writer.sendJson("PUT", path, json(Map.of("body", "second version")), bearer(token));
        assertThat(edited.status()).isEqualTo(200);

        assertThat(body(writer, path)).as("the acknowledging node, at once").isEqualTo("second version");
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(body(reader, path)).isEqualTo("second version"));
        assertThat(reader.get(path).header("ETag")).isEqualTo(edited.header("ETag"));
    }

    @Test
    void theAcknowledgingNodeNeverServesTheOldBodyEvenWithReadsRacingTheEdits() throws Exception {
        String path = "/api/posts/" + writer.post("/api/posts", json(Map.of("body", "edit 0")), bearer(token)).text("id");
        AtomicBoolean editing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<String> stale = new ArrayList<>();
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            // Readers on both nodes keep missing and refilling the cache while the post changes.
            for (Api api : List.of(writer, reader, writer, reader)) {
                readers.submit(() -> {
                    while (editing.get()) {
                        int status = api.get(path).status();
                        if (status != 200) {
                            failures.add(api.base() + " answered " + status);
                        }
                    }
                });
            }
            for (int edit = 1; edit <= 30; edit++) {
                Reply edited = writer.sendJson("PUT", path, json(Map.of("body", "edit " + edit)), bearer(token));
                assertThat(edited.status()).isEqualTo(200);
                String served = body(writer, path);
                if (!served.equals("edit " + edit)) {
                    stale.add("after acknowledging edit " + edit + " the writer served \"" + served + "\"");
                }
            }
            editing.set(false);
        }
        assertThat(stale).isEmpty();
        assertThat(failures).isEmpty();
        await().atMost(DELIVERY).untilAsserted(() -> assertThat(body(reader, path)).isEqualTo("edit 30"));
    }

    @Test
    void aNewPostAppearsOnTheOtherNodesFirstPagesAtOnce() {
        String before = reader.get("/api/posts").body();
        reader.get("/api/users/" + handle + "/posts");
        String id = writer.post("/api/posts", json(Map.of("body", "fresh on the timeline")), bearer(token)).text("id");

        assertThat(writer.get("/api/posts").json().get("items").get(0).get("id").asText()).isEqualTo(id);
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(reader.get("/api/posts").json().get("items").get(0).get("id").asText()).isEqualTo(id);
            assertThat(reader.get("/api/users/" + handle + "/posts").json().get("items").get(0).get("id").asText()).isEqualTo(id);
        });
        assertThat(before).doesNotContain(id);
    }

    @Test
    void aDeletedPostIsGoneOnBothNodes() {
        String path = "/api/posts/" + writer.post("/api/posts", json(Map.of("body", "short-lived")), bearer(token)).text("id");
        body(reader, path);
        body(reader, path);

        assertThat(writer.delete(path, bearer(token)).status()).isEqualTo(204);

        assertThat(writer.get(path).status()).isEqualTo(404);
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(reader.get(path).status()).isEqualTo(404));
    }

    @Test
    void withRedisDeadBothNodesServeFromTheDatabaseAndStayReady() {
        String path = "/api/posts/" + writer.post("/api/posts", json(Map.of("body", "survives redis")), bearer(token)).text("id");
        Api admin = new Api(readNode.adminUri());
        redis.kill();
        try {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                statuses.add(reader.get(path).status());
                statuses.add(writer.get("/api/posts").status());
            }
            Reply edited = writer.sendJson("PUT", path, json(Map.of("body", "edited while redis was dead")), bearer(token));

            assertThat(statuses).containsOnly(200);
            assertThat(edited.status()).isEqualTo(200);
            assertThat(body(writer, path)).isEqualTo("edited while redis was dead");
            await().atMost(DELIVERY).untilAsserted(() -> assertThat(body(reader, path)).isEqualTo("edited while redis was dead"));
            Reply ready = admin.get("/health/ready");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.text("cache")).isEqualTo("degraded");
        } finally {
            redis.restart();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            reader.get(path);
            assertThat(admin.get("/health/ready").text("cache")).isEqualTo("up");
        });
        assertThat(body(reader, path)).isEqualTo("edited while redis was dead");
    }
}
