package dev.ladder.idempotency;

import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/** The Idempotency-Key specification on the embedded profile (H2 in MySQL mode). */
class EmbeddedIdempotencyTest extends IdempotencyContract {
    @Override
    protected TestApp startApp(Map<String, String> overrides) throws Exception {
        Map<String, String> env = new HashMap<>(overrides);
        env.put("LADDER_DATA_DIR", Files.createTempDirectory("ladder-idempotency").toString());
        return TestApp.start("embedded", env);
    }
}
