package dev.ladder.testing;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the API specification runs against: a client for the public base URL, plus the few things
 * that differ between one node started by the test and a cluster behind a TLS load balancer.
 *
 * @param api           a client for the public base URL (an https one trusts the cluster's CA)
 * @param adminUri      a node's admin port, or null when the test cannot reach one (a cluster)
 * @param plainHttp     true when the base URL is the node's own plain HTTP port, so a raw socket
 *                      reaches Jetty itself (behind a load balancer the balancer answers garbage)
 * @param https         true behind a TLS-terminating load balancer: requests really are https
 * @param staleReadsFor how long a read may still show a replaced version after a write was
 *                      acknowledged (zero on one node; posts.cacheTtl across several nodes)
 * @param stop          what ends the target when the specification is done
 */
public record ApiTarget(Api api, URI adminUri, boolean plainHttp, boolean https, Duration staleReadsFor, AutoCloseable stop) {
    public ApiTarget {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(staleReadsFor, "staleReadsFor");
        Objects.requireNonNull(stop, "stop");
    }

    /** One node started in the test JVM: plain HTTP, its admin port reachable, reads never stale. */
    public static ApiTarget node(TestApp app) {
        return new ApiTarget(new Api(app.apiUri()), app.adminUri(), true, false, Duration.ZERO, app::close);
    }

    public URI baseUri() {
        return api.base();
    }

    public Optional<URI> admin() {
        return Optional.ofNullable(adminUri);
    }
}
