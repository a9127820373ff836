package dev.ladder.plus3;

import dev.ladder.api.ApiContract;
import dev.ladder.cluster.Cluster;
import dev.ladder.testing.ApiTarget;
import java.time.Duration;

/**
 * The whole API specification against the users-plus-3 cluster through the load balancer over
 * TLS, with a client that keeps the replication-position cookie as a browser does: changes land
 * on write-api nodes, reads on read-api nodes, the shared Redis cache and the read replicas. Reads
 * are expected fresh at once (read-your-writes; invalidations over pub/sub), with a short grace
 * for another node's near cache to hear of a change.
 */
class ApiContractPlus3IT extends ApiContract {
    @Override
    protected ApiTarget startTarget() {
        Cluster.Status status = Cluster.status();
        return new ApiTarget(AppTier.api(status), null, false, true, Duration.ofSeconds(3), () -> { });
    }
}
