package dev.ladder.http;

import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * How large a request body may be: one limit for every route, and larger ones for the few exact
 * paths that take uploads (POST /api/photos). Any other spelling of such a path gets the default,
 * so a limit can only ever be raised where it was meant to be.
 */
public record BodyLimits(long defaultLimit, Map<String, Long> byPath) {
    /**
     * How much of a body nobody read (a refused one) is still read and thrown away after the
     * answer, so the answer reaches the client and the connection survives; see {@link UnreadBodyHandler}.
     */
    public static final long MAX_DISCARDED_BYTES = 1024 * 1024;

    /**
     * Whether a request comes with a body: a Content-Length above zero, or chunked. Jetty reports
     * -1 (unknown) both for a chunked body and for none at all (a GET), so the length alone
     * cannot tell.
     */
    public static boolean hasBody(Request request) {
        long length = request.getLength();
        return length > 0 || (length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
    }

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
