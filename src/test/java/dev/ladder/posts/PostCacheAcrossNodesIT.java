package dev.ladder.posts;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes on one MariaDB, each with its own in-process cache of rendered posts: the bound
 * README states. A change acknowledged by one node is seen through the other within
 * posts.cacheTtl, and the other never answers 304 for a version that has been replaced.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostCacheAcrossNodesIT {
    private static final Duration CACHE_TTL = Duration.ofSeconds(3);

    private TestApp writeNode;
    private TestApp readNode;
    private Api writer;
    private Api reader;
    private String token;

    @BeforeAll
    void startTwoNodesOnOneDatabase() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        writeNode = TestApp.start("single-box", node(mariaDb, database, 1, "write-api,worker"));
        readNode = TestApp.start("single-box", node(mariaDb, database, 2, "read-api"));
        writer = new Api(writeNode.apiUri());
        reader = new Api(readNode.apiUri());
        token = writer.signUpAndLogIn(uniqueHandle("twonodes"));
    }

    private static Map<String, String> node(MariaDb mariaDb, String database, int id, String roles) {
        Map<String, String> env = TestApp.nodeOverrides(mariaDb, database, id, roles);
        env.put("LADDER_POSTS_CACHE_TTL", CACHE_TTL.toSeconds() + "s");
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
    }

    /** A post the read node has cached at its first version; returns its id and that version's tag. */
    private String[] postCachedByTheReader(String body) {
        String id = writer.post("/api/posts", json(Map.of("body", body)), bearer(token)).text("id");
        String tag = reader.get("/api/posts/" + id).header("ETag");
        assertThat(reader.get("/api/posts/" + id).header("ETag")).isEqualTo(tag);
        return new String[] {id, tag};
    }

    @Test
    void anEditAcknowledgedByOneNodeIsSeenThroughTheOtherWithinTheCacheTtl() {
        String[] post = postCachedByTheReader("first version");
        String path = "/api/posts/" + post[0];

        Reply edited = writer.sendJson("PUT", path, json(Map.of("body", "second version")), bearer(token));
        assertThat(edited.status()).isEqualTo(200);
        long acknowledged = System.nanoTime();

        // A bound on staleness is a correctness property: the margin covers a loaded machine, not speed.
        await().atMost(CACHE_TTL.plusSeconds(2)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(reader.get(path).json().get("body").asText()).isEqualTo("second version"));
        assertThat(Duration.ofNanos(System.nanoTime() - acknowledged)).isLessThan(CACHE_TTL.plusSeconds(2));
        assertThat(reader.get(path).header("ETag")).isEqualTo(edited.header("ETag"));
    }

    @Test
    void theOtherNodeNeverConfirmsAReplacedVersionWith304() {
        String[] post = postCachedByTheReader("before the edit");
        String path = "/api/posts/" + post[0];
        String oldTag = post[1];

        Reply edited = writer.sendJson("PUT", path, json(Map.of("body", "after the edit")), bearer(token));
        assertThat(edited.status()).isEqualTo(200);

        // The reader's cache still holds the old version, yet the old tag is no longer current.
        Reply revalidated = reader.get(path, "If-None-Match", oldTag);
        assertThat(revalidated.status()).isEqualTo(200);
        assertThat(revalidated.json().get("body").asText()).isEqualTo("after the edit");
        assertThat(revalidated.header("ETag")).isEqualTo(edited.header("ETag"));
        assertThat(reader.get(path, "If-None-Match", edited.header("ETag")).status()).isEqualTo(304);
    }

    @Test
    void aDeleteIsSeenThroughTheOtherNodeWithinTheCacheTtlAndNeverRevalidated() {
        String[] post = postCachedByTheReader("short-lived");
        String path = "/api/posts/" + post[0];

        assertThat(writer.delete(path, bearer(token)).status()).isEqualTo(204);

        assertThat(reader.get(path, "If-None-Match", post[1]).status()).isEqualTo(404);
        await().atMost(CACHE_TTL.plusSeconds(2)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(reader.get(path).status()).isEqualTo(404));
    }
}
