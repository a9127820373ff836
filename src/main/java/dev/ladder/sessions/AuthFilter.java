package dev.ladder.sessions;

import dev.ladder.http.ApiException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Works out who is calling (Authorization: Bearer, else the session cookie) and defends
 * cookie-authenticated changes against cross-site request forgery by checking Origin (or,
 * lacking it, Referer) against the service's own origin and the configured extra ones.
 * Resources that need a user call {@link #require(SecurityContext)}.
 *
 * <p>When a request made with the cookie slides its session's expiry, the response renews the
 * cookie to the new expiry (unless the response sets the cookie itself, as a logout does), so a
 * browser in use keeps its session as long as the server does.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthFilter implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String RENEWED = AuthFilter.class.getName() + ".renewed";
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
        String bearer = bearerToken(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        String token;
        boolean viaCookie;
        if (bearer != null) {
            token = bearer;
            viaCookie = false;
        } else {
            Cookie cookie = request.getCookies().get(sessions.cookieName());
            if (cookie == null) {
                return;
            }
            token = cookie.getValue();
            viaCookie = true;
        }
        boolean secure = isHttps(request);
        if (!unsafe) {
            // Reads mostly need no user, and the page's cookie rides on every one of them: look the
            // session up only if the resource asks who is calling.
            request.setSecurityContext(new LazyUserContext(() -> resolve(request, token, viaCookie), viaCookie, secure));
            return;
        }
        Optional<CurrentUser> user = resolve(request, token, viaCookie);
        if (user.isPresent() && viaCookie && !provesSameOrigin(origin, request)) {
            throw ApiException.forbidden("a change made with the session cookie must carry an Origin or Referer header of this site");
        }
        if (user.isPresent()) {
            request.setSecurityContext(new LazyUserContext(() -> user, viaCookie, secure));
        }
    }

    /** The token of an {@code Authorization: Bearer} header (possibly empty); null for none or another scheme. */
    public static String bearerToken(String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return authorization.substring(BEARER.length()).trim();
        }
        return null;
    }

    private Optional<CurrentUser> resolve(ContainerRequestContext request, String token, boolean viaCookie) {
        Optional<SessionService.Resolved> resolved = sessions.resolveSession(token, viaCookie);
        resolved.filter(session -> viaCookie && session.extended())
                .ifPresent(session -> request.setProperty(RENEWED, SessionCookies.of(sessions.cookieName(), token, session.expiresAt(),
                        isHttps(request))));
        return resolved.map(SessionService.Resolved::user);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(RENEWED) instanceof NewCookie renewed
                && !response.getCookies().containsKey(sessions.cookieName())) {
            response.getHeaders().add(HttpHeaders.SET_COOKIE, renewed);
        }
    }

    /** The caller, or a 401. */
    public static CurrentUser require(SecurityContext context) {
        if (context != null && context.getUserPrincipal() instanceof CurrentUser user) {
            return user;
        }
        throw ApiException.unauthorized();
    }

    /** The scheme the client used: X-Forwarded-Proto counts only from http.trustedProxies (TrustedProxyCustomizer). */
    static boolean isHttps(ContainerRequestContext request) {
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

    /** The caller's session, resolved at most once, and only when someone asks. */
    private static final class LazyUserContext implements SecurityContext {
        private final Supplier<Optional<CurrentUser>> resolve;
        private final boolean viaCookie;
        private final boolean secure;
        private Optional<CurrentUser> user;

        LazyUserContext(Supplier<Optional<CurrentUser>> resolve, boolean viaCookie, boolean secure) {
            this.resolve = resolve;
            this.viaCookie = viaCookie;
            this.secure = secure;
        }

        @Override
        public synchronized Principal getUserPrincipal() {
            if (user == null) {
                user = resolve.get();
            }
            return user.orElse(null);
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
            return viaCookie ? "COOKIE" : "BEARER";
        }
    }
}
