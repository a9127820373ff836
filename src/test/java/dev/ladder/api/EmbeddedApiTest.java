package dev.ladder.api;

import dev.ladder.testing.ApiTarget;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;

/** The API specification on the embedded profile (H2 in MySQL mode, file-backed). */
class EmbeddedApiTest extends ApiContract {
    @Override
    protected ApiTarget startTarget() throws Exception {
        return ApiTarget.node(TestApp.embedded(Files.createTempDirectory("ladder-embedded")));
    }
}
