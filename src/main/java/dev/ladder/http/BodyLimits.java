package dev.ladder.http;

import java.util.HashMap;
import java.util.Map;

/**
 * How large a request body may be: one limit for every route, and larger ones for the few exact
 * paths that take uploads (POST /api/photos). Any other spelling of such a path gets the default,
 * so a limit can only ever be raised where it was meant to be.
 */
public record BodyLimits(long defaultLimit, Map<String, Long> byPath) {
    /**
     * A refused body of at most this many bytes in all is read to its end and thrown away before
     * the 413 goes out, as nginx's lingering close and Tomcat's maxSwallowSize do: a server that
     * answers and closes while the client is still sending makes the kernel reset the connection,
     * and the reset can destroy the answer before the client reads it. A larger body is refused at
     * once and the connection closed: reading megabytes nobody wants costs more than that risk.
     */
    public static final long MAX_DISCARDED_BYTES = 1024 * 1024;

    public BodyLimits {
        if (defaultLimit < 0) {
            throw new IllegalArgumentException("a body limit cannot be negative");
        }
        byPath = Map.copyOf(byPath);
    }

    public static BodyLimits of(long defaultLimit) {
        return new BodyLimits(defaultLimit, Map.of());
    }

    /** These limits with path (exact, as in the request) allowed up to limit bytes. */
    public BodyLimits with(String path, long limit) {
        Map<String, Long> paths = new HashMap<>(byPath);
        paths.put(path, limit);
        return new BodyLimits(defaultLimit, paths);
    }

    public long limitFor(String path) {
        return path == null ? defaultLimit : byPath.getOrDefault(path, defaultLimit);
    }
}
