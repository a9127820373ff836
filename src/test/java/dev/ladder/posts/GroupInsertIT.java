package dev.ladder.posts;

import dev.ladder.db.Database;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on MariaDB through the app's own pool and Connector/J settings, where
 * rewriteBatchedStatements turns a group into one multi-row INSERT.
 */
class GroupInsertIT extends GroupInsertContract {
    @TempDir
    Path dataDir;

    private Database database;

    @Override
    Jdbi jdbi() {
        MariaDb mariaDb = MariaDb.shared();
        var config = TestApp.config("single-box", Map.of(
                "LADDER_DATA_DIR", dataDir.toString(),
                "LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()),
                "LADDER_DATABASE_USER", mariaDb.user(),
                "LADDER_DATABASE_PASSWORD", mariaDb.password()));
        database = Database.open(config.database(), config.data().path(), "group-insert-it", new SimpleMeterRegistry());
        database.migrate();
        return database.jdbi();
    }

    @AfterEach
    void close() {
        database.close();
    }
}
