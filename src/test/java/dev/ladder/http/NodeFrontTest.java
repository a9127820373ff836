package dev.ladder.http;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.assertProblem;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node behind a load balancer shows at its front door: its name on every response
 * (X-Served-By), forwarded headers believed only from trusted proxies, and read-api nodes that
 * refuse changes before doing any work.
 */
class NodeFrontTest {
    @TempDir
    Path data;

    private TestApp start(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("LADDER_DATA_DIR", data.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return TestApp.start("embedded", env);
    }

    @Test
    void everyPublicResponseNamesTheNodeThatServedItWhenAskedTo() {
        try (TestApp node = start("LADDER_HTTP_SERVED_BY", "true", "LADDER_NODE_NAME", "write1")) {
            Api api = new Api(node.apiUri());
            String token = api.signUpAndLogIn(uniqueHandle("served"));
            Reply created = api.post("/api/posts", json(Map.of("body", "who served me?")), bearer(token));
            String path = "/api/posts/" + created.text("id");
            api.get(path); // fills the cache: the next read takes the fast path

            assertThat(created.header("X-Served-By")).isEqualTo("write1");
            assertThat(api.get(path).header("X-Served-By")).as("cached fast path").isEqualTo("write1");
            assertThat(api.get(path, "If-None-Match", api.get(path).header("ETag")).header("X-Served-By")).as("304").isEqualTo("write1");
            assertThat(api.get("/").header("X-Served-By")).as("the page").isEqualTo("write1");
            Reply apiError = api.get("/api/posts/1");
            assertProblem(apiError, 404, "not-found");
            assertThat(apiError.header("X-Served-By")).as("an API error").isEqualTo("write1");
            Reply jettyError = api.get("/no-such-file.txt");
            assertThat(jettyError.status()).isEqualTo(404);
            assertThat(jettyError.header("X-Served-By")).as("an error Jetty answers").isEqualTo("write1");
            Reply tooLarge = api.post("/api/posts", "x".repeat(70_000), bearer(token));
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.header("X-Served-By")).as("413").isEqualTo("write1");
            assertThat(new Api(node.adminUri()).get("/health/ready").header("X-Served-By")).as("admin port").isNull();
        }
    }

    @Test
    void noNodeNameIsShownByDefault() {
        try (TestApp node = start()) {
            assertThat(new Api(node.apiUri()).get("/api/posts").header("X-Served-By")).isNull();
        }
    }

    @Test
    void aReadApiNodeServesReadsAndRefusesEveryChangeBeforeAnyWork() {
        try (TestApp writer = start("LADDER_NODE_ROLES", "write-api,worker")) {
            Api writeApi = new Api(writer.apiUri());
            String token = writeApi.signUpAndLogIn(uniqueHandle("reader"));
            String id = writeApi.post("/api/posts", json(Map.of("body", "written on the write node")), bearer(token)).text("id");
            writer.close();

            try (TestApp reader = start("LADDER_NODE_ROLES", "read-api", "LADDER_HTTP_SERVED_BY", "true", "LADDER_NODE_NAME", "read1")) {
                Api api = new Api(reader.apiUri());
                assertThat(api.get("/api/posts/" + id).status()).isEqualTo(200);
                assertThat(api.get("/api/posts").status()).isEqualTo(200);
                assertThat(api.send(api.request("/api/posts/" + id).method("HEAD", HttpRequest.BodyPublishers.noBody())).status())
                        .isEqualTo(200);

                Reply post = api.post("/api/posts", json(Map.of("body", "misrouted")), bearer(token));
                Reply put = api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "misrouted")), bearer(token));
                Reply delete = api.delete("/api/posts/" + id, bearer(token));
                Reply signUp = api.post("/api/users", json(Map.of("handle", uniqueHandle("nope"), "email", "n@example.com", "password", "password123")));
                Reply options = api.send(api.request("/api/posts").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
                // Not even a body over the size limit is looked at: the refusal comes first.
                Reply huge = api.post("/api/posts", "x".repeat(70_000), bearer(token));

                for (Reply refused : new Reply[] {post, put, delete, signUp, options, huge}) {
                    assertProblem(refused, 405, "read-only-node");
                    assertThat(refused.header("Allow")).isEqualTo("GET, HEAD");
                    assertThat(refused.header("X-Served-By")).isEqualTo("read1");
                }
                // And every such refusal reaches the client, though the node never reads the body (UnreadBodyHandler).
                for (int i = 0; i < 100; i++) {
                    assertProblem(api.post("/api/posts", "x".repeat(70_000), bearer(token)), 405, "read-only-node");
                }
                assertThat(api.get("/api/posts/" + id).json().get("body").asText()).isEqualTo("written on the write node");
                assertThat(api.get("/api/users/" + token.length()).status()).isEqualTo(404);
            }
        }
    }

    @Test
    void forwardedHeadersAreBelievedOnlyFromTrustedProxies() {
        String handle = uniqueHandle("proxied");
        try (TestApp trusting = start("LADDER_HTTP_TRUSTED_PROXIES", "127.0.0.0/8")) {
            Api api = new Api(trusting.apiUri());
            api.signUpAndLogIn(handle);
            Reply overHttps = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")),
                    "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.7");
            Reply plain = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")));

            assertThat(overHttps.header("Set-Cookie")).containsIgnoringCase("Secure");
            assertThat(plain.header("Set-Cookie")).doesNotContainIgnoringCase("Secure");
        }
        try (TestApp distrusting = start("LADDER_HTTP_TRUSTED_PROXIES", "10.0.0.0/8")) {
            Api api = new Api(distrusting.apiUri());
            Reply spoofed = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")),
                    "X-Forwarded-Proto", "https");

            assertThat(spoofed.status()).isEqualTo(201);
            assertThat(spoofed.header("Set-Cookie")).doesNotContainIgnoringCase("Secure");
        }
    }
}
