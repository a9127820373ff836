package dev.ladder.posts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.ladder.http.Json;
import dev.ladder.http.Problem;
import dev.ladder.http.ProblemMappers;
import dev.ladder.http.RouteTimers;
import dev.ladder.limits.RateLimitFilter;
import dev.ladder.limits.Throttle;
import dev.ladder.sessions.AuthFilter;
import dev.ladder.sessions.CurrentUser;
import dev.ladder.sessions.SessionService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.http.QuotedQualityCSV;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * POST /api/posts answered by Jetty directly in its common form: an API client's plain post,
 * {@code {"body": "..."}} with a Bearer token. The write profile, once a write was one statement,
 * put Jersey's per-request machinery (routing, HK2 injection of the resource's context
 * parameters, the filter chain, the metrics listener) at a third of the app's CPU per write,
 * more than the driver and JDBI together; {@link CachedPostHandler} made the same cut for reads.
 *
 * <p>Only the plain case is taken here, and everything else goes on to Jersey untouched, so every
 * error keeps its one problem+json answer: another method or path, a body that is not
 * application/json, an Accept that rules JSON out, a cookie-authenticated or cross-site request
 * (an Origin header: Jersey's CSRF checks apply), an Idempotency-Key, a chunked body, a token that
 * resolves to no session, and a rate limit reached. Once the body has been read, a body Jersey
 * must answer (malformed, of the wrong shape, invalid, or naming photos) is handed to Jersey as it
 * arrived, marked as having passed the rate limit already, so it is neither read twice from the
 * client nor counted twice. What this handler answers is what Jersey answers: 201, the relative
 * Location, the ETag and the post's JSON, the same http_server_requests timer; a failure of the
 * insert itself is mapped by the same {@link ProblemMappers.Unexpected} (a 503 while the database
 * is out of reach), never retried through Jersey, which could store the post twice.
 */
public final class PostWriteHandler extends Handler.Wrapper {
    private static final String PATH = "/api/posts";
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField PROBLEM = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final SessionService sessions;
    private final Throttle throttle;
    private final PostService posts;
    private final RenderedPosts rendered;
    private final MeterRegistry metrics;
    private final Timer created;
    private final Counter answered;
    // Built once: Json.mapper() makes a new mapper, whose set-up per request cost more than the write.
    private final ObjectReader requests;
    private final ObjectWriter views;
    private final ObjectWriter problems;

    public PostWriteHandler(Handler next, SessionService sessions, Throttle throttle, PostService posts, RenderedPosts rendered,
                            MeterRegistry metrics) {
        super(Objects.requireNonNull(next, "next"));
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.posts = Objects.requireNonNull(posts, "posts");
        this.rendered = Objects.requireNonNull(rendered, "rendered");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.created = RouteTimers.of(metrics, "POST", PATH, HttpStatus.CREATED_201, "SUCCESS", "None");
        ObjectMapper json = Json.mapper();
        this.requests = json.readerFor(PostResource.PostRequest.class);
        this.views = json.writerFor(PostResource.PostView.class);
        this.problems = json.writerFor(Problem.class);
        this.answered = Counter.builder("ladder.posts.direct.writes")
                .description("POST /api/posts answered without Jersey (PostWriteHandler)")
                .register(metrics);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Optional<String> token = plainPostToken(request);
        if (token.isEmpty()) {
            return super.handle(request, response, callback);
        }
        long started = System.nanoTime();
        Optional<CurrentUser> author;
        try {
            author = sessions.resolve(token.get(), false);
        } catch (RuntimeException unavailable) {
            // The session store is out of reach: Jersey meets the same failure and maps it (a 503).
            return super.handle(request, response, callback);
        }
        if (author.isEmpty()) {
            return super.handle(request, response, callback);
        }
        try {
            throttle.write(RateLimitFilter.clientAddress(request), author.get().id());
        } catch (RuntimeException limited) {
            // Jersey's filter asks again, and answers the 429 with its Retry-After.
            return super.handle(request, response, callback);
        }
        ByteBuffer body;
        try {
            body = Content.Source.asByteBuffer(request);
        } catch (IOException e) {
            // Cut off or too slow: Jersey reads the same failure from the request and answers it.
            return super.handle(RateLimitFilter.passed(new ReplayedBody(request, null, e)), response, callback);
        }
        String text = plainBody(body);
        if (text == null) {
            return super.handle(RateLimitFilter.passed(new ReplayedBody(request, body, null)), response, callback);
        }
        Post post;
        try {
            post = posts.create(author.get(), text, null);
        } catch (RuntimeException e) {
            fail(response, callback, e, started);
            return true;
        }
        PostResource.PostView view = PostResource.PostView.of(post, List.of());
        byte[] json = views.writeValueAsBytes(view);
        var headers = response.getHeaders();
        response.setStatus(HttpStatus.CREATED_201);
        // Relative, as Jersey sends it (ApiApplication turns its resolution against the base URI off).
        headers.put(HttpHeader.LOCATION, PATH + "/" + post.id());
        headers.put(HttpHeader.ETAG, rendered.etag(view, post.version()).toString());
        headers.put(JSON);
        headers.put(HttpHeader.CONTENT_LENGTH, json.length);
        // Counted before the write: a client that reads /metrics right after its answer must find it there.
        created.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        answered.increment();
        response.write(true, ByteBuffer.wrap(json), callback);
        return true;
    }

    /** The Bearer token of a request this handler may answer, before a byte of its body is read. */
    private static Optional<String> plainPostToken(Request request) {
        if (!HttpMethod.POST.is(request.getMethod()) || !PATH.equals(Request.getPathInContext(request))) {
            return Optional.empty();
        }
        var headers = request.getHeaders();
        String token = AuthFilter.bearerToken(headers.get(HttpHeader.AUTHORIZATION));
        if (token == null || token.isEmpty()
                || headers.contains(HttpHeader.ORIGIN) || headers.contains(IDEMPOTENCY_KEY)
                || request.getLength() < 0 || !isJson(headers.get(HttpHeader.CONTENT_TYPE)) || !acceptsJson(headers.get(HttpHeader.ACCEPT))) {
            return Optional.empty();
        }
        return Optional.of(token);
    }

    /** application/json, with no parameter but charset=UTF-8. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        // Jetty's parser: the type with its charset parameter taken out (any other parameter stays).
        String charset = MimeTypes.getCharsetFromContentType(contentType);
        return "application/json".equalsIgnoreCase(MimeTypes.getContentTypeWithoutCharset(contentType).trim())
                && (charset == null || StandardCharsets.UTF_8.name().equalsIgnoreCase(charset));
    }

    /** No Accept, or one that takes application/json at a quality above 0. */
    static boolean acceptsJson(String accept) {
        if (accept == null) {
            return true;
        }
        QuotedQualityCSV ranges = new QuotedQualityCSV();
        ranges.addValue(accept);
        for (String range : ranges.getValues()) {
            String type = range.split(";")[0].trim().toLowerCase(Locale.ROOT);
            if (type.equals("*/*") || type.equals("application/*") || type.equals("application/json")) {
                return true;
            }
        }
        return false;
    }

    /** The post's text if the body is exactly a valid plain post; null for anything Jersey should answer. */
    private String plainBody(ByteBuffer body) {
        try {
            PostResource.PostRequest parsed = body.hasArray()
                    ? requests.readValue(body.array(), body.arrayOffset() + body.position(), body.remaining())
                    : requests.readValue(BufferUtil.toArray(body));
            if (parsed == null || (parsed.photoIds() != null && !parsed.photoIds().isEmpty())) {
                return null;
            }
            PostService.validateBody(parsed.body());
            return parsed.body();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void fail(Response response, Callback callback, RuntimeException error, long started) {
        jakarta.ws.rs.core.Response mapped = error instanceof dev.ladder.http.ApiException api
                ? new ProblemMappers.Api().toResponse(api)
                : new ProblemMappers.Unexpected().toResponse(error);
        byte[] problem;
        try {
            problem = problems.writeValueAsBytes(mapped.getEntity());
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        int status = mapped.getStatus();
        response.setStatus(status);
        String retryAfter = mapped.getHeaderString(HttpHeader.RETRY_AFTER.asString());
        if (retryAfter != null) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfter);
        }
        response.getHeaders().put(PROBLEM);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, problem.length);
        RouteTimers.of(metrics, "POST", PATH, status, status >= 500 ? "SERVER_ERROR" : "CLIENT_ERROR", error.getClass().getSimpleName())
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        answered.increment();
        response.write(true, ByteBuffer.wrap(problem), callback);
    }

    /**
     * The request as it arrived, its body already read here: Jersey reads the same bytes (or the
     * same failure) again from this wrapper, not from the client.
     */
    private static final class ReplayedBody extends Request.Wrapper {
        private Content.Chunk next;

        ReplayedBody(Request request, ByteBuffer body, Throwable failure) {
            super(request);
            this.next = failure != null ? Content.Chunk.from(failure, true) : Content.Chunk.from(body, true);
        }

        @Override
        public synchronized Content.Chunk read() {
            Content.Chunk chunk = next;
            if (chunk == null) {
                return Content.Chunk.EOF;
            }
            if (!Content.Chunk.isFailure(chunk)) {
                next = null;
            }
            return chunk;
        }

        @Override
        public void demand(Runnable demandCallback) {
            demandCallback.run();
        }
    }
}
