package dev.ladder.idempotency;

import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/** The Idempotency-Key specification on single-box, against a real, private MariaDB. */
class MariaDbIdempotencyIT extends IdempotencyContract {
    @Override
    protected TestApp startApp(Map<String, String> overrides) throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        Map<String, String> env = new HashMap<>(overrides);
        env.put("LADDER_DATA_DIR", Files.createTempDirectory("ladder-idempotency").toString());
        env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()));
        env.put("LADDER_DATABASE_USER", mariaDb.user());
        env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
        return TestApp.start("single-box", env);
    }
}
