package dev.ladder.posts;

import dev.ladder.db.Database;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Group commit on the embedded profile's H2, where a JDBC batch runs row by row inside the group's transaction. */
class GroupInsertTest extends GroupInsertContract {
    @TempDir
    Path dataDir;

    private Database database;

    @Override
    Jdbi jdbi() {
        var config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", dataDir.toString()));
        database = Database.open(config.database(), config.data().path(), "group-insert-test", new SimpleMeterRegistry());
        database.migrate();
        return database.jdbi();
    }

    @AfterEach
    void close() {
        database.close();
    }
}
