package dev.ladder.db;

import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Carries a client's replication position between its requests, in an HttpOnly cookie: a
 * request's writes set it (on the write node, in the write's own response), and its next reads
 * (on any node, read-api nodes included) bring it back, so {@link Reads} can make a replica wait
 * for it. Binds the request's {@link ReadYourWrites.Client} for everything below this handler.
 *
 * <p>The cookie is the client's own claim, so it is treated as such: a value that is not a
 * well-formed position is ignored (the read goes to a replica as if there were none), never an
 * error. A forged position far ahead only sends that client's own reads to the primary after
 * {@code database.replica.readYourWritesWait}. The cookie lives a few minutes: far longer than any
 * replica lags while it is in rotation, after which a replica has long applied the write.
 */
public final class ReadYourWritesHandler extends Handler.Wrapper {
    /** Cookie name: a position such as 0-1-1234 (GTIDs separated by dots). */
    public static final String COOKIE = "ladder_gtid";
    static final Duration COOKIE_LIFETIME = Duration.ofMinutes(5);

    public ReadYourWritesHandler(Handler next) {
        super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        GtidPosition seen = seen(request).orElse(null);
        boolean secure = HttpScheme.HTTPS.is(request.getHttpURI().getScheme());
        ReadYourWrites.Client client = new ReadYourWrites.Client(seen, isRead(request)
                ? null
                : position -> Response.replaceCookie(response, cookie(position, secure)));
        return ScopedValue.where(ReadYourWrites.CLIENT, client).call(() -> super.handle(request, response, callback));
    }

    private static boolean isRead(Request request) {
        return HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod());
    }

    /** The position in the request's cookie; absent or malformed: none. */
    static Optional<GtidPosition> seen(Request request) {
        for (HttpCookie cookie : Request.getCookies(request)) {
            if (COOKIE.equals(cookie.getName())) {
                return GtidPosition.parseCookie(cookie.getValue());
            }
        }
        return Optional.empty();
    }

    private static HttpCookie cookie(GtidPosition position, boolean secure) {
        return HttpCookie.build(COOKIE, position.toCookie())
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .sameSite(HttpCookie.SameSite.LAX)
                .maxAge(COOKIE_LIFETIME.toSeconds())
                .build();
    }
}
