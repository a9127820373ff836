package dev.ladder.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.http.Json;
import dev.ladder.sessions.CurrentUser;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Idempotency-Key header on the creating POSTs (posts, users, photos): before the resource
 * runs, the key is claimed or the first response replayed ({@link IdempotencyKeys}). The resource
 * renders its response inside its write's transaction through an {@link Answer}, which stores it
 * with the write. After the resource, a response that is not a 2xx releases the claim (a claim
 * only: an answer committed with its write stays, so a failure after the commit never lets a retry
 * write twice). Replays carry Idempotent-Replayed: true. Runs after authentication, since a key
 * belongs to its caller; a request without a key is untouched.
 *
 * <p>The body is read here to hash it, so it is held in memory once more; it is already bounded by
 * the route's body limit (http.maxRequestBytes, photos.maxUploadBytes).
 */
@Priority(Priorities.AUTHENTICATION + 100)
public final class IdempotencyFilter implements ContainerRequestFilter, ContainerResponseFilter {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);
    private static final String CLAIM = "ladder.idempotency.claim";
    private static final ObjectMapper JSON = Json.mapper();
    /** The routes that take a key, by path, and whether their caller must be logged in. */
    private static final Map<String, String> ENDPOINTS = Map.of(
            "/api/posts", "posts",
            "/api/users", "users",
            "/api/photos", "photos");
    private static final String SIGN_UP = "users";

    private final IdempotencyKeys keys;

    public IdempotencyFilter(IdempotencyKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        String key = request.getHeaderString(HEADER);
        if (key == null || !"POST".equals(request.getMethod())) {
            return;
        }
        String endpoint = ENDPOINTS.get(request.getUriInfo().getRequestUri().getRawPath());
        if (endpoint == null) {
            return;
        }
        IdempotencyKeys.validKey(key);
        long callerId;
        if (endpoint.equals(SIGN_UP)) {
            callerId = 0; // no user yet: the key alone, scoped to sign-up
        } else if (request.getSecurityContext().getUserPrincipal() instanceof CurrentUser user) {
            callerId = user.id();
        } else {
            return; // the resource answers 401; there is nothing to make idempotent
        }
        byte[] body = request.getEntityStream().readAllBytes(); // bounded by BodyLimitFilter
        request.setEntityStream(new ByteArrayInputStream(body));
        IdempotencyKeys.Outcome outcome = keys.claim(new IdempotencyKeys.Scope(endpoint, callerId), key, sha256(body));
        switch (outcome) {
            case IdempotencyKeys.Claimed claimed -> request.setProperty(CLAIM, new Held(keys, claimed.claim()));
            case IdempotencyKeys.Replay replay -> request.abortWith(replayOf(replay.response()));
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(CLAIM) instanceof Held held)) {
            return;
        }
        request.removeProperty(CLAIM);
        IdempotencyKeys.Claim claim = held.claim();
        boolean succeeded = response.getStatus() >= 200 && response.getStatus() < 300;
        try {
            if (succeeded && held.stored()) {
                return; // committed with the write
            }
            if (succeeded) {
                // A route whose service stored nothing with its write: store now (not atomic with the write; every
                // keyed route stores in its transaction, so this is a safety net, not the path).
                log.warn("Idempotency-Key answer for {} stored after its write, not with it", claim.scope());
                keys.complete(claim, new IdempotencyKeys.Response(response.getStatus(), response.getHeaderString(HttpHeaders.LOCATION),
                        response.getHeaderString(HttpHeaders.ETAG), response.getHeaderString(HttpHeaders.CONTENT_TYPE), body(response)));
            } else {
                // Deletes the claim only while it is pending: if the write and its answer committed before the failure,
                // the answer stays and the retry gets it.
                keys.release(claim);
            }
        } catch (RuntimeException e) {
            // The answer still goes out. A pending claim left behind is taken over by a retry after
            // idempotency.claimTimeout; a write that committed did so with its answer.
            log.warn("Could not settle Idempotency-Key {} for {}: {}", claim.key(), claim.scope(), e.toString());
        }
    }

    /**
     * How the resource of this request renders its answer from what it wrote; the answer is stored
     * with the write when the request holds an Idempotency-Key claim.
     */
    public static <T> Answer<T> answer(ContainerRequestContext request, java.util.function.Function<T, Response> render) {
        return new Answer<>(request != null && request.getProperty(CLAIM) instanceof Held held ? held : null, render);
    }

    /** A claim this request holds, and whether its answer went into the write's transaction. */
    static final class Held {
        private final IdempotencyKeys keys;
        private final IdempotencyKeys.Claim claim;
        private volatile boolean stored;

        Held(IdempotencyKeys keys, IdempotencyKeys.Claim claim) {
            this.keys = keys;
            this.claim = claim;
        }

        IdempotencyKeys keys() {
            return keys;
        }

        IdempotencyKeys.Claim claim() {
            return claim;
        }

        boolean stored() {
            return stored;
        }

        void markStored() {
            stored = true;
        }

        void markWithdrawn() {
            stored = false;
        }
    }

    /** A response as it is stored for replays: status, Location, ETag, content type and the body as JSON text. */
    static IdempotencyKeys.Response stored(Response response) {
        return new IdempotencyKeys.Response(response.getStatus(), response.getHeaderString(HttpHeaders.LOCATION),
                response.getHeaderString(HttpHeaders.ETAG), response.getHeaderString(HttpHeaders.CONTENT_TYPE),
                bodyOf(response.getEntity()));
    }

    private static String body(ContainerResponseContext response) {
        return bodyOf(response.getEntity());
    }

    private static String bodyOf(Object entity) {
        if (entity == null) {
            return null;
        }
        if (entity instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (entity instanceof String text) {
            return text;
        }
        try {
            // The same mapper Jersey writes with, so the replay is byte for byte the first answer.
            return JSON.writeValueAsString(entity);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Response replayOf(IdempotencyKeys.Response stored) {
        Response.ResponseBuilder replay = Response.status(stored.status()).header(REPLAYED, "true");
        if (stored.location() != null) {
            replay.header(HttpHeaders.LOCATION, stored.location());
        }
        if (stored.etag() != null) {
            replay.header(HttpHeaders.ETAG, stored.etag());
        }
        if (stored.body() != null) {
            replay.entity(stored.body().getBytes(StandardCharsets.UTF_8))
                    .type(stored.contentType() != null ? stored.contentType() : "application/json");
        }
        return replay.build();
    }

    static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
