package dev.ladder.posts;

import dev.ladder.config.Config;
import dev.ladder.http.RouteTimers;
import dev.ladder.ids.IdGenerator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * GET /api/posts/{id} answered by Jetty directly: from the rendered-post cache, or on a miss with
 * the one query of {@link RenderedPosts#find} (which fills the cache). The read-hot profile with
 * the cache on put Jersey's per-request machinery (routing, HK2 look-ups, filters, the metrics
 * listener) at the top, several times the cost of sending the cached bytes; with the cache off it
 * was still a third of the app's samples once the database read itself had been made cheap.
 * Everything else — unknown posts, bad ids, a failing database, other methods and paths — goes on
 * to Jersey, which answers them as problem+json the one way errors are answered.
 *
 * <p>The answer is the one Jersey gives: the same JSON bytes, ETag, Cache-Control and the same
 * http_server_requests timer (uri="/api/posts/{id}"). Conditional reads (If-None-Match) go on to
 * Jersey too: a 304 must be checked against the database's version, since another node may have
 * replaced the one cached here.
 */
public final class CachedPostHandler extends Handler.Wrapper {
    private static final String PREFIX = "/api/posts/";
    private static final String URI_TEMPLATE = "/api/posts/{id}";
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");

    private final RenderedPosts posts;
    private final HttpField cacheControl;
    private final Timer ok;

    public CachedPostHandler(Handler next, RenderedPosts posts, Config.Posts config, MeterRegistry metrics) {
        super(Objects.requireNonNull(next, "next"));
        this.posts = Objects.requireNonNull(posts, "posts");
        this.cacheControl = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "max-age=" + config.cacheMaxAge().toSeconds());
        this.ok = RouteTimers.of(metrics, "GET", URI_TEMPLATE, 200, "SUCCESS", "None");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!HttpMethod.GET.is(request.getMethod()) || request.getHeaders().contains(HttpHeader.IF_NONE_MATCH)) {
            return super.handle(request, response, callback);
        }
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return super.handle(request, response, callback);
        }
        OptionalLong id = IdGenerator.parse(path.substring(PREFIX.length()));
        if (id.isEmpty()) {
            return super.handle(request, response, callback);
        }
        long started = System.nanoTime();
        Optional<RenderedPosts.Rendered> found;
        try {
            found = posts.find(id.getAsLong());
        } catch (RuntimeException e) {
            // The database is out of reach, or worse: Jersey's mappers make the 503 (or 500) of it.
            return super.handle(request, response, callback);
        }
        if (found.isEmpty()) {
            return super.handle(request, response, callback);
        }
        RenderedPosts.Rendered post = found.get();
        var headers = response.getHeaders();
        headers.put(HttpHeader.ETAG, post.etagHeader());
        headers.put(cacheControl);
        response.setStatus(HttpStatus.OK_200);
        headers.put(JSON);
        headers.put(HttpHeader.CONTENT_LENGTH, post.json().length);
        // Counted before the write: the write may reach the client at once, and a client that then
        // reads /metrics must find its request there.
        ok.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        response.write(true, ByteBuffer.wrap(post.json()), callback);
        return true;
    }
}
