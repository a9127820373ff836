package dev.ladder.queue;

import dev.ladder.config.Config;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.util.Map;

/** The JobQueue contract on the database queue in a real MariaDB (claims with FOR UPDATE SKIP LOCKED). */
class DatabaseJobQueueMariaDbIT extends DatabaseJobQueueTest {
    @Override
    protected Config config(Path dataDir) {
        MariaDb mariaDb = MariaDb.shared();
        return TestApp.config("single-box", Map.of(
                "LADDER_DATA_DIR", dataDir.toString(),
                "LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()),
                "LADDER_DATABASE_USER", mariaDb.user(),
                "LADDER_DATABASE_PASSWORD", mariaDb.password()));
    }

    @Override
    protected boolean expectsSkipLocked() {
        return true;
    }
}
