package dev.ladder.posts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /api/posts through {@link PostWriteHandler} answers exactly as Jersey does. Each request is
 * sent twice: as an API client's plain post, which the handler takes, and with a Content-Type
 * parameter the handler leaves to Jersey ({@code application/json;v=1}), and the two answers are
 * compared. The handler's own counter says which path answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostWriteHandlerTest {
    private static final String TO_JERSEY = "application/json;v=1";

    @TempDir
    static Path data;
    private TestApp app;
    private Api api;
    private Api admin;
    private String token;

    @BeforeAll
    void start() {
        app = TestApp.embedded(data);
        api = new Api(app.apiUri());
        admin = new Api(app.adminUri());
        token = api.signUpAndLogIn("direct_writer");
    }

    @AfterAll
    void stop() {
        app.close();
    }

    private double direct() {
        Matcher matcher = Pattern.compile("(?m)^ladder_posts_direct_writes_total(?:\\{[^}]*})? (\\S+)$").matcher(admin.get("/metrics").body());
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private Reply viaHandler(String body, String... headers) {
        return api.sendBytes("POST", "/api/posts", body.getBytes(StandardCharsets.UTF_8), "application/json", headers);
    }

    private Reply viaJersey(String body, String... headers) {
        return api.sendBytes("POST", "/api/posts", body.getBytes(StandardCharsets.UTF_8), TO_JERSEY, headers);
    }

    @Test
    void aPlainPostIsAnsweredByTheHandlerAsJerseyAnswersIt() {
        double before = direct();
        Reply direct = viaHandler(Api.json(Map.of("body", "straight through")), Api.bearer(token));
        assertThat(direct()).isEqualTo(before + 1);
        Reply jersey = viaJersey(Api.json(Map.of("body", "straight through")), Api.bearer(token));
        assertThat(direct()).as("the other one went to Jersey").isEqualTo(before + 1);

        assertThat(direct.status()).isEqualTo(201).isEqualTo(jersey.status());
        assertThat(direct.header("Content-Type")).isEqualTo(jersey.header("Content-Type"));
        assertThat(direct.header("ETag")).isEqualTo("\"v1\"").isEqualTo(jersey.header("ETag"));
        JsonNode a = direct.json();
        JsonNode b = jersey.json();
        assertThat(direct.header("Location")).isEqualTo("/api/posts/" + a.get("id").asText());
        assertThat(jersey.header("Location")).isEqualTo("/api/posts/" + b.get("id").asText());
        List<String> fieldsA = new ArrayList<>();
        a.fieldNames().forEachRemaining(fieldsA::add);
        List<String> fieldsB = new ArrayList<>();
        b.fieldNames().forEachRemaining(fieldsB::add);
        assertThat(fieldsA).isEqualTo(fieldsB);
        assertThat(a.get("body")).isEqualTo(b.get("body"));
        assertThat(a.get("author")).isEqualTo(b.get("author"));
        assertThat(a.get("photos")).isEqualTo(b.get("photos")).isEmpty();
        assertThat(a.get("createdAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
        assertThat(b.get("createdAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
        // What was acknowledged is stored, and the first page shows it.
        assertThat(api.get("/api/posts/" + a.get("id").asText()).json().get("body").asText()).isEqualTo("straight through");
        assertThat(api.get("/api/users/direct_writer/posts").body()).contains(a.get("id").asText());
    }

    @Test
    void everyBodyJerseyMustAnswerGetsJerseysAnswer() {
        List<String> bodies = List.of(
                "{\"body\": ",                                         // malformed
                "[1, 2]",                                              // wrong shape
                "{\"body\": \"x\", \"colour\": \"red\"}",              // unknown field
                "{\"body\": 42}",                                      // wrong type
                "{}",                                                  // no body field
                "{\"body\": \"\"}",                                    // empty
                "{\"body\": \"" + "x".repeat(1025) + "\"}",            // over 1 KB
                "{\"body\": \"x\", \"photoIds\": [\"nosuchphoto\"]}",  // a photo that is not the author's
                "",                                                    // no bytes at all
                "null");
        for (String body : bodies) {
            double before = direct();
            Reply direct = viaHandler(body, Api.bearer(token));
            Reply jersey = viaJersey(body, Api.bearer(token));
            assertThat(direct()).as("handed on for: %s", body).isEqualTo(before);
            assertThat(direct.status()).as(body).isBetween(400, 499).isEqualTo(jersey.status());
            assertThat(direct.header("Content-Type")).as(body).startsWith("application/problem+json");
            assertThat(direct.json().get("type")).as(body).isEqualTo(jersey.json().get("type"));
            assertThat(direct.json().get("detail")).as(body).isEqualTo(jersey.json().get("detail"));
        }
    }

    @Test
    void requestsTheHandlerDoesNotTakeReachJerseyUntouched() {
        String body = Api.json(Map.of("body", "not for the handler"));
        double before = direct();
        assertThat(viaHandler(body).status()).as("no token").isEqualTo(401);
        assertThat(viaHandler(body, Api.bearer("no-such-token")).status()).isEqualTo(401);
        assertThat(viaHandler(body, "Authorization", "Bearer " + token, "Origin", "https://evil.example").status())
                .as("a foreign origin").isEqualTo(403);
        assertThat(viaHandler(body, "Authorization", "Bearer " + token, "Accept", "text/html").status())
                .as("JSON not acceptable").isEqualTo(406);
        assertThat(api.sendBytes("POST", "/api/posts", body.getBytes(StandardCharsets.UTF_8), "text/plain", Api.bearer(token)).status())
                .isEqualTo(415);
        Reply keyed = viaHandler(body, "Authorization", "Bearer " + token, "Idempotency-Key", "direct-writer-key-1");
        assertThat(keyed.status()).isEqualTo(201);
        assertThat(viaHandler(body, "Authorization", "Bearer " + token, "Idempotency-Key", "direct-writer-key-1").json().get("id"))
                .as("the key's answer replayed by Jersey").isEqualTo(keyed.json().get("id"));
        assertThat(direct()).isEqualTo(before);
        assertThat(viaHandler(body, "Authorization", "Bearer " + token, "Accept", "text/html, application/json;q=0.5").status())
                .isEqualTo(201);
        assertThat(direct()).isEqualTo(before + 1);
    }

    @Test
    void contentTypesAndAcceptsTheHandlerTakes() {
        assertThat(PostWriteHandler.isJson("application/json")).isTrue();
        assertThat(PostWriteHandler.isJson("Application/JSON; charset=UTF-8")).isTrue();
        assertThat(PostWriteHandler.isJson("application/json;charset=\"utf-8\"")).isTrue();
        assertThat(PostWriteHandler.isJson("application/json; charset=ISO-8859-1")).isFalse();
        assertThat(PostWriteHandler.isJson(TO_JERSEY)).isFalse();
        assertThat(PostWriteHandler.isJson("application/jsonx")).isFalse();
        assertThat(PostWriteHandler.isJson(null)).isFalse();
        assertThat(PostWriteHandler.acceptsJson(null)).isTrue();
        assertThat(PostWriteHandler.acceptsJson("*/*")).isTrue();
        assertThat(PostWriteHandler.acceptsJson("application/*;q=0.2")).isTrue();
        assertThat(PostWriteHandler.acceptsJson("application/json;q=0")).isFalse();
        assertThat(PostWriteHandler.acceptsJson("text/html")).isFalse();
    }
}
