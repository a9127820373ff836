package dev.ladder.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page and the API tell browsers what the page may load, that it is never framed, and not to sniff types. */
class SecurityHeadersTest {
    @TempDir
    static Path data;
    static TestApp app;
    static Api api;

    @BeforeAll
    static void start() {
        app = TestApp.embedded(data);
        api = new Api(app.apiUri());
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void thePageHasAStrictContentSecurityPolicyAndNoInlineCode() {
        Reply page = api.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertHardened(page);
        String policy = page.header("Content-Security-Policy");
        assertThat(policy).contains("default-src 'none'").contains("script-src 'self'").contains("style-src 'self'")
                .contains("frame-ancestors 'none'").contains("object-src 'none'").contains("base-uri 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        // Nothing the policy would block: no inline script or style, no event-handler attributes.
        assertThat(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>").matcher(page.body()).find()).isFalse();
        assertThat(page.body()).doesNotContain("<style").doesNotContainPattern("\\sstyle=").doesNotContainPattern("\\son[a-z]+=");
    }

    @Test
    void apiAnswersAndErrorsCarryTheSameHeaders() {
        assertHardened(api.get("/api/posts"));
        assertHardened(api.get("/api/posts/12345"));
        assertHardened(api.get("/app.js"));
    }

    private static void assertHardened(Reply reply) {
        assertThat(reply.header("Content-Security-Policy")).as("CSP").contains("frame-ancestors 'none'");
        assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(reply.header("Referrer-Policy")).isEqualTo("same-origin");
        assertThat(reply.header("X-Frame-Options")).isEqualTo("DENY");
    }
}
