package dev.ladder.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The admin port: liveness, readiness and Prometheus metrics, as a bare Jetty handler so it
 * keeps answering even when the API's thread pool or Jersey is in trouble. It also serves the
 * public API's OpenAPI description (GET /openapi.yaml), for operators and tools, not the internet.
 */
public final class AdminHandler extends Handler.Abstract {
    private static final String JSON = "application/json";
    /** The public API's description, checked in beside the code and kept in sync with it by OpenApiSyncTest. */
    public static final String OPENAPI_RESOURCE = "openapi/ladder.yaml";

    private final Health health;
    private final PrometheusMeterRegistry metrics;
    private final String openApi;

    public AdminHandler(Health health, PrometheusMeterRegistry metrics) {
        this.health = health;
        this.metrics = metrics;
        this.openApi = openApiDescription();
    }

    /** The OpenAPI description as bundled in the jar (read once: it never changes while the node runs). */
    public static String openApiDescription() {
        try (InputStream in = AdminHandler.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no " + OPENAPI_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + OPENAPI_RESOURCE, e);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            return send(response, callback, 405, JSON, "{\"status\":\"method not allowed\"}");
        }
        return switch (Request.getPathInContext(request)) {
            case "/health/live" -> send(response, callback, 200, JSON, "{\"status\":\"up\"}");
            case "/health/ready" -> ready(response, callback);
            case "/metrics" -> send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            case "/openapi.yaml" -> send(response, callback, 200, "application/yaml; charset=utf-8", openApi);
            default -> send(response, callback, 404, JSON, "{\"status\":\"not found\"}");
        };
    }

    private boolean ready(Response response, Callback callback) {
        boolean draining = health.isDraining();
        boolean database = health.isDatabaseReachable();
        boolean started = health.isStarted();
        java.util.List<String> unmet = health.unmet();
        boolean sessions = !unmet.contains(Health.SESSIONS);
        boolean ready = started && !draining && database && unmet.isEmpty();
        String body = "{\"status\":\"" + (ready ? "ready" : "not ready") + "\",\"draining\":" + draining
                + ",\"database\":\"" + (database ? "up" : "down") + "\",\"cache\":\"" + health.cacheStatus() + "\""
                + ",\"sessions\":\"" + (sessions ? "up" : "connecting") + "\""
                + ",\"started\":" + started
                + ",\"unmet\":[" + unmet.stream().map(name -> "\"" + name + "\"").collect(java.util.stream.Collectors.joining(",")) + "]}";
        return send(response, callback, ready ? 200 : 503, JSON, body);
    }

    private static boolean send(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, StandardCharsets.UTF_8.encode(body), callback);
        return true;
    }
}
