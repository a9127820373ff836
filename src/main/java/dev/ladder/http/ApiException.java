package dev.ladder.http;

import jakarta.ws.rs.core.Response.Status;

/**
 * A failure the client can act on: becomes a 4xx (or 503) problem+json with a stable type.
 * Services throw these; nothing has been written when one is thrown.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String slug;
    private final String title;
    private final long retryAfterSeconds;

    public ApiException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, status == 503 ? 1 : 0);
    }

    /** retryAfterSeconds: sent as Retry-After when positive (a 503 or 429 tells clients when to come back). */
    public ApiException(int status, String slug, String title, String detail, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException invalid(String detail) {
        return new ApiException(400, "validation", "The request is not valid", detail);
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "not-found", "Not found", what + " does not exist");
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "unauthorized", "Authentication required",
                "log in and send the session cookie or an Authorization: Bearer token");
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(403, "forbidden", "Forbidden", detail);
    }

    public static ApiException conflict(String slug, String detail) {
        return new ApiException(409, slug, "Conflict", detail);
    }

    public static ApiException tooLarge(long limit) {
        return new ApiException(Status.REQUEST_ENTITY_TOO_LARGE.getStatusCode(), "too-large", "Request body too large",
                "the body must be at most " + limit + " bytes");
    }

    /** This node is doing as much of this costly work as it can: 503 with Retry-After. */
    public static ApiException busy(String title, String detail) {
        return new ApiException(503, "busy", title, detail, 1);
    }

    /** The caller has made too many of these requests: 429 with the seconds until the next one is allowed. */
    public static ApiException rateLimited(String detail, long retryAfterSeconds) {
        return new ApiException(429, "rate-limited", "Too many requests", detail, Math.max(1, retryAfterSeconds));
    }

    public int status() {
        return status;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Problem problem() {
        return Problem.of(status, slug, title, getMessage());
    }
}
