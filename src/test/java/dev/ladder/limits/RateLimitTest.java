package dev.ladder.limits;

import static dev.ladder.testing.ApiAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits on logins, sign-ups and writes, with the limits lowered so a test reaches them.
 * Different clients are different loopback addresses (127.0.0.x), which Jetty reports as the
 * remote address, as it would report different hosts.
 */
class RateLimitTest {
    @TempDir
    static Path data;
    static TestApp app;

    @BeforeAll
    static void start() {
        app = TestApp.start("embedded", Map.of(
                "LADDER_DATA_DIR", data.toString(),
                "LADDER_RATE_LIMITS_ENABLED", "true",
                "LADDER_RATE_LIMITS_LOGIN_PER_IP", "100/1h",
                "LADDER_RATE_LIMITS_LOGIN_PER_ACCOUNT_AND_IP", "3/1h",
                "LADDER_RATE_LIMITS_LOGIN_PER_ACCOUNT", "5/1h",
                "LADDER_RATE_LIMITS_SIGN_UP_PER_IP", "3/1h",
                "LADDER_RATE_LIMITS_WRITES_PER_IP", "100/1h",
                "LADDER_RATE_LIMITS_WRITES_PER_ACCOUNT", "3/1h"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static Api from(String address) throws Exception {
        return new Api(app.apiUri(), InetAddress.getByName(address));
    }

    private static Reply logIn(Api api, String handle, String password) {
        return api.post("/api/sessions", Api.json(Map.of("handle", handle, "password", password)));
    }

    private static void assertRateLimited(Reply reply) {
        assertProblem(reply, 429, "rate-limited");
        assertThat(reply.header("Retry-After")).matches("[1-9][0-9]*");
    }

    @Test
    void guessingOneAccountIsSlowedWhileItsOwnerStillLogsIn() throws Exception {
        from("127.0.0.10").signUpAndLogIn("guessed");
        Api attacker = from("127.0.0.11");
        for (int i = 0; i < 3; i++) {
            assertThat(logIn(attacker, "guessed", "wrong-guess-" + i).status()).isEqualTo(401);
        }
        // The right password would not help the attacker now: the attempt is refused before it is checked.
        assertRateLimited(logIn(attacker, "guessed", "password123"));

        // The owner, from their own address, logs in; successful logins never use up the limits.
        Api owner = from("127.0.0.10");
        for (int i = 0; i < 5; i++) {
            assertThat(logIn(owner, "guessed", "password123").status()).isEqualTo(201);
        }

        // Guesses spread over more addresses meet the looser per-account limit (5 failures).
        Api second = from("127.0.0.12");
        assertThat(logIn(second, "guessed", "guess-a").status()).isEqualTo(401);
        assertThat(logIn(second, "guessed", "guess-b").status()).isEqualTo(401);
        assertRateLimited(logIn(from("127.0.0.13"), "guessed", "guess-c"));
    }

    @Test
    void signUpsFromOneAddressAreLimited() throws Exception {
        Api one = from("127.0.0.20");
        for (int i = 0; i < 3; i++) {
            Reply created = one.post("/api/users", Api.json(Map.of("handle", "many_" + i, "email", "many" + i + "@example.com",
                    "password", "password123")));
            assertThat(created.status()).isEqualTo(201);
        }
        Reply refused = one.post("/api/users", Api.json(Map.of("handle", "many_3", "email", "many3@example.com", "password", "password123")));
        assertRateLimited(refused);
        assertThat(one.get("/api/users/many_3").status()).as("nothing written on a 429").isEqualTo(404);
        assertThat(from("127.0.0.21").post("/api/users", Api.json(Map.of("handle", "many_3", "email", "many3@example.com",
                "password", "password123"))).status()).isEqualTo(201);
    }

    @Test
    void writesByOneAccountAreLimited() throws Exception {
        Api api = from("127.0.0.30");
        String token = api.signUpAndLogIn("prolific");
        for (int i = 0; i < 3; i++) {
            assertThat(api.post("/api/posts", Api.json(Map.of("body", "post " + i)), Api.bearer(token)).status()).isEqualTo(201);
        }
        assertRateLimited(api.post("/api/posts", Api.json(Map.of("body", "one too many")), Api.bearer(token)));
        assertRateLimited(api.sendBytes("POST", "/api/photos", new byte[] {1, 2, 3}, "image/png", Api.bearer(token)));
        assertThat(api.get("/api/users/prolific/posts").json().get("items")).hasSize(3);
    }

    @Test
    void aPostHandedFromTheDirectWritePathToJerseyCountsOnce() throws Exception {
        // dev.ladder.posts.PostWriteHandler takes the limit, reads the body, and hands a body it
        // cannot answer to Jersey, whose RateLimitFilter must not take a second one.
        Api api = from("127.0.0.31");
        String token = api.signUpAndLogIn("fumbling");
        for (int i = 0; i < 2; i++) {
            assertThat(api.post("/api/posts", "{\"body\": ", Api.bearer(token)).status()).isEqualTo(400);
        }
        assertThat(api.post("/api/posts", Api.json(Map.of("body", "third change")), Api.bearer(token)).status()).isEqualTo(201);
        assertRateLimited(api.post("/api/posts", Api.json(Map.of("body", "fourth change")), Api.bearer(token)));
    }
}
