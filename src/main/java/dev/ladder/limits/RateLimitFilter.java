package dev.ladder.limits;

import dev.ladder.sessions.CurrentUser;
import jakarta.annotation.Priority;
import jakarta.inject.Provider;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import java.util.Set;
import org.eclipse.jetty.server.Request;

/**
 * Sign-ups and writes (posts and photos: create, edit, delete, upload) pass their rate limits here,
 * after authentication (so the account is known) and before a byte of the body is read. Log-ins
 * are limited by {@link dev.ladder.sessions.SessionResource}, which knows whether one failed.
 */
@Priority(Priorities.AUTHENTICATION + 10)
public final class RateLimitFilter implements ContainerRequestFilter {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** Set on a request whose limits were taken before Jersey saw it (dev.ladder.posts.PostWriteHandler). */
    private static final String PASSED = RateLimitFilter.class.getName() + ".passed";

    private final Throttle throttle;

    @Context
    private Provider<Request> jettyRequest;

    public RateLimitFilter(Throttle throttle) {
        this.throttle = throttle;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (SAFE_METHODS.contains(request.getMethod()) || jettyRequest.get().getAttribute(PASSED) != null) {
            return;
        }
        String path = request.getUriInfo().getRequestUri().getRawPath();
        if (path.equals("/api/users")) {
            throttle.signUp(clientAddress(jettyRequest.get()));
        } else if (isUnder(path, "/api/posts") || isUnder(path, "/api/photos")) {
            long userId = request.getSecurityContext().getUserPrincipal() instanceof CurrentUser user ? user.id() : 0;
            throttle.write(clientAddress(jettyRequest.get()), userId);
        }
    }

    /** Marks request as having passed its rate limits already, so this filter does not count it twice. */
    public static Request passed(Request request) {
        request.setAttribute(PASSED, Boolean.TRUE);
        return request;
    }

    /** The client's address as Jetty resolved it (its forwarded-request support decides whom to believe). */
    public static String clientAddress(Request request) {
        return Request.getRemoteAddr(request);
    }

    private static boolean isUnder(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }
}
