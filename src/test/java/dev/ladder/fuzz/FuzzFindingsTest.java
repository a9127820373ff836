package dev.ladder.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minimal inputs the fuzz suite found answered with a 5xx or outside problem+json, each
 * replayed byte for byte: every one is now a 4xx problem that names no internals.
 */
class FuzzFindingsTest {
    @TempDir
    static Path dataDir;
    private static TestApp app;
    private static String postId;

    @BeforeAll
    static void start() {
        app = TestApp.embedded(dataDir);
        Api api = new Api(app.apiUri());
        String token = api.signUpAndLogIn("finder");
        postId = api.post("/api/posts", Api.json(Map.of("body", "found")), Api.bearer(token)).text("id");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private RawHttp.Response send(String head) throws Exception {
        try (RawHttp http = new RawHttp("127.0.0.1", app.apiUri().getPort())) {
            String request = head.replace("{host}", "127.0.0.1:" + app.apiUri().getPort()).replace("{post}", postId);
            return http.exchange(request.getBytes(StandardCharsets.UTF_8), false);
        }
    }

    private static void assertClientProblem(RawHttp.Response response, int status) {
        assertThat(response.status()).as(response.everything()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(response.everything()).startsWith("application/problem+json");
        assertThat(response.bodyText()).doesNotContain("Exception", "java.", "org.");
    }

    @Test
    void aMalformedPercentEscapeInTheQueryIsABadRequest() throws Exception {
        // Jersey rebuilt the request URI with java.net.URI, which threw: 500.
        assertClientProblem(send("GET /api/posts?before=%u002e HTTP/1.1\r\nHost: {host}\r\n\r\n"), 400);
        assertClientProblem(send("GET /api/posts?before=%2 HTTP/1.1\r\nHost: {host}\r\n\r\n"), 400);
        assertClientProblem(send("GET /api/users/finder/photos?x=% HTTP/1.1\r\nHost: {host}\r\n\r\n"), 400);
    }

    @Test
    void anIfNoneMatchThatIsNoEntityTagIsABadRequest() throws Exception {
        // Jersey's precondition check could not parse it: 500.
        assertClientProblem(send("GET /api/posts/{post} HTTP/1.1\r\nHost: {host}\r\nIf-None-Match: ALICE\r\n\r\n"), 400);
    }

    @Test
    void aRequestLineWithoutAVersionIsABadRequest() throws Exception {
        // A CR or LF in the path ends the request line early: Jetty took it for HTTP/0.9 and answered 505.
        assertClientProblem(send("GET /api/users/\nX-Injected: 1 HTTP/1.1\r\nHost: {host}\r\n\r\n"), 400);
    }

    @Test
    void headersJerseyCannotParseAreBadRequestsInProblemJson() throws Exception {
        // Non-ASCII in Accept or in Content-Type's parameters: an empty 400 from Jersey's header parsing.
        assertClientProblem(send("GET /api/users/finder HTTP/1.1\r\nHost: {host}\r\nAccept: \u00e9\u00e9\r\n\r\n"), 400);
        assertClientProblem(send("POST /api/posts HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json; charset=\u00e9\r\n"
                + "Content-Length: 2\r\n\r\n{}"), 400);
    }
}
