package dev.ladder.api;

import dev.ladder.testing.ApiTarget;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;

/** The same API specification on the single-box profile against a real, private MariaDB. */
class MariaDbApiIT extends ApiContract {
    @Override
    protected ApiTarget startTarget() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        return ApiTarget.node(TestApp.singleBox(mariaDb, mariaDb.createDatabase(), Files.createTempDirectory("ladder-single-box")));
    }
}
