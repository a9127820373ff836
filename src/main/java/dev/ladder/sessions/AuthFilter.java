package dev.ladder.sessions;

import dev.ladder.http.ApiException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Works out who is calling (Authorization: Bearer, else the session cookie) and defends
 * cookie-authenticated changes against cross-site request forgery by checking Origin (or,
 * lacking it, Referer) against the service's own origin and the configured extra ones.
 * Resources that need a user call {@link #require(SecurityContext)}.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthFilter implements ContainerRequestFilter {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final String BEARER = "bearer ";

    private final SessionService sessions;
    private final List<String> allowedOrigins;

    public AuthFilter(SessionService sessions, List<String> allowedOrigins) {
        this.sessions = sessions;
        this.allowedOrigins = allowedOrigins.stream().map(origin -> origin.toLowerCase(Locale.ROOT)).toList();
    }

    @Override
    public void filter(ContainerRequestContext request) {
        boolean unsafe = !SAFE_METHODS.contains(request.getMethod());
        String origin = request.getHeaderString("Origin");
        // A browser names the page's origin on every cross-site change; refuse foreign ones outright.
        if (unsafe && origin != null && !"null".equals(origin) && !isOwnOrAllowed(origin, request)) {
            throw ApiException.forbidden("cross-site request refused: the Origin header names another site");
        }
        Optional<CurrentUser> user = Optional.empty();
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            user = sessions.resolve(authorization.substring(BEARER.length()).trim(), false);
        } else {
            Cookie cookie = request.getCookies().get(sessions.cookieName());
            if (cookie != null) {
                user = sessions.resolve(cookie.getValue(), true);
                if (user.isPresent() && unsafe && !provesSameOrigin(origin, request)) {
                    throw ApiException.forbidden("a change made with the session cookie must carry an Origin or Referer header of this site");
                }
            }
        }
        if (user.isPresent()) {
            request.setSecurityContext(new UserContext(user.get(), isHttps(request)));
        }
    }

    /** The caller, or a 401. */
    public static CurrentUser require(SecurityContext context) {
        if (context != null && context.getUserPrincipal() instanceof CurrentUser user) {
            return user;
        }
        throw ApiException.unauthorized();
    }

    static boolean isHttps(ContainerRequestContext request) {
        String forwarded = request.getHeaderString("X-Forwarded-Proto");
        if (forwarded != null) {
            return "https".equalsIgnoreCase(forwarded.split(",")[0].trim());
        }
        return "https".equalsIgnoreCase(request.getUriInfo().getRequestUri().getScheme());
    }

    private boolean provesSameOrigin(String origin, ContainerRequestContext request) {
        if (origin != null && !"null".equals(origin)) {
            return isOwnOrAllowed(origin, request);
        }
        String referer = request.getHeaderString("Referer");
        if (referer == null) {
            return false;
        }
        try {
            URI uri = URI.create(referer);
            if (uri.getScheme() == null || uri.getHost() == null) {
                return false;
            }
            String refererOrigin = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
            return isOwnOrAllowed(refererOrigin, request);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean isOwnOrAllowed(String origin, ContainerRequestContext request) {
        String normalized = origin.toLowerCase(Locale.ROOT);
        String host = request.getHeaderString(HttpHeaders.HOST);
        if (host != null) {
            String own = (isHttps(request) ? "https://" : "http://") + host.toLowerCase(Locale.ROOT);
            if (normalized.equals(own) || normalized.equals(withoutDefaultPort(own))) {
                return true;
            }
        }
        return allowedOrigins.contains(normalized);
    }

    private static String withoutDefaultPort(String origin) {
        return origin.replaceFirst("^(http://[^/]+):80$", "$1").replaceFirst("^(https://[^/]+):443$", "$1");
    }

    private record UserContext(CurrentUser user, boolean secure) implements SecurityContext {
        @Override
        public Principal getUserPrincipal() {
            return user;
        }

        @Override
        public boolean isUserInRole(String role) {
            return false;
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return user.viaCookie() ? "COOKIE" : "BEARER";
        }
    }
}
