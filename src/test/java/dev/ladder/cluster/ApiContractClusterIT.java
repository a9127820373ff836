package dev.ladder.cluster;

import dev.ladder.api.ApiContract;
import dev.ladder.config.ConfigLoader;
import dev.ladder.testing.ApiTarget;
import java.time.Duration;
import java.util.Map;

/**
 * The whole API specification against the users-plus-2 cluster, every request through the load
 * balancer over TLS: reads land on read-api nodes, changes on write-api nodes, one database
 * behind the primary endpoint. Reads may trail an acknowledged edit by posts.cacheTtl (each node
 * caches rendered posts in process); the admin port and raw sockets stay behind the balancer.
 */
class ApiContractClusterIT extends ApiContract {
    @Override
    protected ApiTarget startTarget() {
        Cluster.Status status = Cluster.status();
        Duration cacheTtl = ConfigLoader.standard().load(status.stage(), Map.of()).posts().cacheTtl();
        return new ApiTarget(Drills.api(status), null, false, true, cacheTtl, () -> { });
    }
}
