package dev.ladder.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The http_server_requests timer Jersey's metrics listener records for a route, for the handlers
 * that answer a route in Jetty (CachedPostHandler, PostWriteHandler): dashboards see one series
 * whichever way a request went.
 */
public final class RouteTimers {
    private RouteTimers() {
    }

    public static Timer of(MeterRegistry metrics, String method, String uri, int status, String outcome, String exception) {
        return Timer.builder("http.server.requests")
                .tags("exception", exception, "method", method, "outcome", outcome,
                        "status", Integer.toString(status), "uri", uri)
                .register(metrics);
    }
}
