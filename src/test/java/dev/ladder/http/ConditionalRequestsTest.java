package dev.ladder.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A browser revalidating the page (what a reload does) gets 304, not an error. */
class ConditionalRequestsTest {
    @TempDir
    Path data;

    @Test
    void theWebPageAndMediaRevalidateWith304() {
        try (TestApp app = TestApp.embedded(data)) {
            Api api = new Api(app.apiUri());
            Api.Reply page = api.get("/");
            assertThat(page.status()).isEqualTo(200);

            Api.Reply byDate = api.get("/", "If-Modified-Since", page.header("Last-Modified"));
            assertThat(byDate.status()).isEqualTo(304);
            assertThat(byDate.body()).isEmpty();
            assertThat(api.get("/app.js", "If-Modified-Since", page.header("Last-Modified")).status()).isIn(200, 304);
            assertThat(api.get("/nothing-here.js").status()).isEqualTo(404);
        }
    }
}
