package dev.ladder.api;

import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;

/** The same API specification on the single-box profile against a real, private MariaDB. */
class MariaDbApiIT extends ApiContract {
    @Override
    protected TestApp startApp() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        return TestApp.singleBox(mariaDb, mariaDb.createDatabase(), Files.createTempDirectory("ladder-single-box"));
    }
}
