package dev.ladder.posts;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cached read path answers exactly as Jersey does: the first read of a post goes through
 * Jersey and the database (and fills the cache), later reads come from the cache through Jetty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachedPostReadTest {
    private TestApp app;
    private Api api;
    private Api admin;
    private String token;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        app = TestApp.embedded(dataDir);
        api = new Api(app.apiUri());
        admin = new Api(app.adminUri());
        token = api.signUpAndLogIn("cached_reader");
    }

    @AfterAll
    void stop() {
        app.close();
    }

    private double servedReads(String status) {
        Matcher matcher = Pattern.compile("(?m)^http_server_requests_seconds_count\\{[^\\n]*status=\"" + status
                + "\"[^\\n]*uri=\"/api/posts/\\{id}\"[^\\n]*} (\\S+)$").matcher(admin.get("/metrics").body());
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    /** An edit that bypasses this node, as one made through another node does (same database in this JVM). */
    private void changeBehindTheCache(long id, String body) {
        var config = app.config();
        try (Connection connection = DriverManager.getConnection(config.database().resolvedUrl(config.data().path()),
                config.database().user(), config.database().password());
             PreparedStatement update = connection.prepareStatement("UPDATE posts SET body = ?, version = version + 1 WHERE id = ?")) {
            update.setString(1, body);
            update.setLong(2, id);
            assertThat(update.executeUpdate()).isEqualTo(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCachedReadIsTheSameAnswerAsTheFirstOne() {
        String id = api.post("/api/posts", json(Map.of("body", "read me twice")), bearer(token)).text("id");
        double before = servedReads("200");

        Reply first = api.get("/api/posts/" + id);   // a miss: Jersey, the database, then the cache
        Reply second = api.get("/api/posts/" + id);  // a hit: straight from the cache

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.json().get("body").asText()).isEqualTo("read me twice");
        for (String header : new String[] {"ETag", "Cache-Control", "Content-Type"}) {
            assertThat(second.header(header)).as(header).isEqualTo(first.header(header));
        }
        // Jersey streams its answer (chunked); the cached one knows its length.
        assertThat(second.header("Content-Length")).isEqualTo(Integer.toString(second.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        assertThat(second.header("X-Request-Id")).isNotBlank();
        assertThat(servedReads("200") - before).isEqualTo(2);
    }

    @Test
    void aConditionalReadIsCheckedAgainstTheDatabaseNotTheCache() {
        String id = api.post("/api/posts", json(Map.of("body", "revalidate me")), bearer(token)).text("id");
        String etag = api.get("/api/posts/" + id).header("ETag");
        api.get("/api/posts/" + id); // cached now
        double before = servedReads("304");

        assertThat(api.get("/api/posts/" + id, "If-None-Match", etag).status()).isEqualTo(304);
        assertThat(api.get("/api/posts/" + id, "If-None-Match", "W/" + etag).status()).isEqualTo(304);
        assertThat(api.get("/api/posts/" + id, "If-None-Match", "\"v7\", " + etag).status()).isEqualTo(304);
        assertThat(api.get("/api/posts/" + id, "If-None-Match", "*").status()).isEqualTo(304);
        Reply stale = api.get("/api/posts/" + id, "If-None-Match", "\"v999\"");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.header("ETag")).isEqualTo(etag);
        assertThat(servedReads("304") - before).isEqualTo(4);

        // The post changes behind this node's back (as another node would change it): the cached
        // copy is now outdated, and a client holding its tag must not be told it is current.
        changeBehindTheCache(Long.parseLong(id), "changed elsewhere");
        assertThat(api.get("/api/posts/" + id).header("ETag")).as("the unconditional read may serve the cached copy").isEqualTo(etag);
        Reply revalidated = api.get("/api/posts/" + id, "If-None-Match", etag);
        assertThat(revalidated.status()).isEqualTo(200);
        assertThat(revalidated.json().get("body").asText()).isEqualTo("changed elsewhere");
        assertThat(revalidated.header("ETag")).isNotEqualTo(etag);
    }

    @Test
    void editsAndDeletesAreSeenAtOnce() {
        String id = api.post("/api/posts", json(Map.of("body", "first words")), bearer(token)).text("id");
        api.get("/api/posts/" + id);
        String firstTag = api.get("/api/posts/" + id).header("ETag");

        Reply edited = api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "second thoughts")), bearer(token));
        assertThat(edited.status()).isEqualTo(200);
        Reply read = api.get("/api/posts/" + id);
        assertThat(read.json().get("body").asText()).isEqualTo("second thoughts");
        assertThat(read.header("ETag")).isNotEqualTo(firstTag).isEqualTo(edited.header("ETag"));

        assertThat(api.delete("/api/posts/" + id, bearer(token)).status()).isEqualTo(204);
        Reply gone = api.get("/api/posts/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.header("Content-Type")).startsWith("application/problem+json");
    }
}
