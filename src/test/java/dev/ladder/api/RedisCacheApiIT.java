package dev.ladder.api;

import dev.ladder.testing.Api;
import dev.ladder.testing.ApiTarget;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.RedisServer;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The same API specification with the shared cache (cache.kind redis) in front of a real MariaDB. */
class RedisCacheApiIT extends ApiContract {
    @Override
    protected ApiTarget startTarget() throws Exception {
        RedisServer redis = RedisServer.start();
        try {
            MariaDb mariaDb = MariaDb.shared();
            Map<String, String> env = new HashMap<>();
            env.put("LADDER_DATA_DIR", Files.createTempDirectory("ladder-redis-cache").toString());
            env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()));
            env.put("LADDER_DATABASE_USER", mariaDb.user());
            env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
            env.put("LADDER_REDIS_MODE", "standalone");
            env.put("LADDER_REDIS_ADDRESS", redis.address());
            env.put("LADDER_CACHE_KIND", "redis");
            TestApp app = TestApp.start("single-box", env);
            return new ApiTarget(new Api(app.apiUri()), app.adminUri(), true, false, Duration.ZERO, () -> {
                app.close(); // before the Redis it talks to
                redis.close();
            });
        } catch (Exception | Error e) {
            redis.close();
            throw e;
        }
    }
}
