package dev.ladder.sessions;

import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sliding expiry reaches the browser: once a use moves the session's expiry, that response renews
 * the cookie's Max-Age, so a browser in use is not logged out at login + ttl. With a one-minute
 * ttl the expiry moves once six seconds have passed, so the test polls for that.
 */
class SessionCookieRenewalTest {
    @TempDir
    Path dataDir;

    @Test
    void aUseThatSlidesTheExpiryRenewsTheCookie() {
        try (TestApp node = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", dataDir.toString(), "LADDER_SESSIONS_TTL", "1m"))) {
            Api api = new Api(node.apiUri());
            api.signUpAndLogIn("renewed");
            Api.Reply login = api.post("/api/sessions", json(Map.of("handle", "renewed", "password", "password123")));
            String token = login.text("token");
            String cookie = "ladder_session=" + token;

            Api.Reply soon = api.get("/api/users/renewed/photos", "Cookie", cookie);
            assertThat(soon.status()).isEqualTo(200);
            assertThat(soon.headers().allValues("Set-Cookie")).as("no write, no new cookie, right after login").isEmpty();

            AtomicReference<List<String>> renewal = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                Api.Reply later = api.get("/api/users/renewed/photos", "Cookie", cookie);
                renewal.set(later.headers().allValues("Set-Cookie"));
                return later.status() == 200 && !renewal.get().isEmpty();
            });
            assertThat(renewal.get()).singleElement().asString()
                    .contains("ladder_session=" + token).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax")
                    .containsPattern("Max-Age=(59|60)");
            Api.Reply bearer = api.get("/api/users/renewed/photos", Api.bearer(token));
            assertThat(bearer.headers().allValues("Set-Cookie")).as("bearer callers get no cookie").isEmpty();
        }
    }
}
