package dev.ladder.api;

import dev.ladder.testing.Api;
import dev.ladder.testing.ApiTarget;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

/**
 * The same API specification on single-box with a read replica: reads that may be stale come from
 * a real replica following the primary by GTID. The client keeps the position cookie as a browser
 * does, so its reads see its writes; reads by other clients may lag by the replica's lag.
 */
class ReplicaApiIT extends ApiContract {
    @Override
    protected ApiTarget startTarget() throws Exception {
        MariaDb primary = MariaDb.startPrimary();
        MariaDb replica = MariaDb.startReplicaOf(primary);
        String database = primary.createDatabase();
        TestApp app = TestApp.start("single-box", Map.of(
                "LADDER_DATA_DIR", Files.createTempDirectory("ladder-replica-api").toString(),
                "LADDER_DATABASE_URL", primary.jdbcUrl(database),
                "LADDER_DATABASE_USER", primary.user(),
                "LADDER_DATABASE_PASSWORD", primary.password(),
                "LADDER_DATABASE_REPLICA_URL", replica.jdbcUrl(database)));
        AutoCloseable stopAll = () -> {
            app.close();
            replica.close();
            primary.close();
        };
        return new ApiTarget(new Api(app.apiUri()), app.adminUri(), true, false, Duration.ofSeconds(5), stopAll);
    }
}
