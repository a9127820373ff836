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
 * The Idempotency-Key header on the creating POSTs (posts, users, photos), for every such route
 * at once and without the resources knowing: before the resource runs, the key is claimed or the
 * first response replayed ({@link IdempotencyKeys}); after it, a 2xx response is stored and
 * anything else releases the claim. Replays carry Idempotent-Replayed: true. Runs after
 * authentication, since a key belongs to its caller; a request without a key is untouched.
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
            case IdempotencyKeys.Claimed claimed -> request.setProperty(CLAIM, claimed.claim());
            case IdempotencyKeys.Replay replay -> request.abortWith(replayOf(replay.response()));
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(request.getProperty(CLAIM) instanceof IdempotencyKeys.Claim claim)) {
            return;
        }
        request.removeProperty(CLAIM);
        try {
            if (response.getStatus() >= 200 && response.getStatus() < 300) {
                keys.complete(claim, new IdempotencyKeys.Response(response.getStatus(), response.getHeaderString(HttpHeaders.LOCATION),
                        response.getHeaderString(HttpHeaders.ETAG), response.getHeaderString(HttpHeaders.CONTENT_TYPE), body(response)));
            } else {
                keys.release(claim);
            }
        } catch (RuntimeException e) {
            // The answer still goes out; retries of this key get 409 until it expires, never a second write.
            log.warn("Could not store the outcome of Idempotency-Key {} for {}: {}", claim.key(), claim.scope(), e.toString());
        }
    }

    private static String body(ContainerResponseContext response) {
        Object entity = response.getEntity();
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
