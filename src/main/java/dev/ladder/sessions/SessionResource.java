package dev.ladder.sessions;

import dev.ladder.http.ApiException;
import dev.ladder.limits.RateLimitFilter;
import dev.ladder.limits.Throttle;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;

@Path("/api/sessions")
@Produces(MediaType.APPLICATION_JSON)
public final class SessionResource {
    private final SessionService sessions;
    private final Throttle throttle;

    public SessionResource(SessionService sessions, Throttle throttle) {
        this.sessions = sessions;
        this.throttle = throttle;
    }

    public record CreateSessionRequest(String handle, String password) {
    }

    public record SessionView(String token, Instant expiresAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response logIn(CreateSessionRequest request, @Context ContainerRequestContext context,
                          @Context org.eclipse.jetty.server.Request jettyRequest) {
        if (request == null) {
            throw ApiException.invalid("a JSON body {handle, password} is required");
        }
        // Throttled before the (costly) password check; only failures count against the account.
        Throttle.LoginAttempt attempt = throttle.logIn(request.handle(), RateLimitFilter.clientAddress(jettyRequest));
        Optional<SessionService.NewSession> found;
        try {
            found = sessions.logIn(request.handle(), request.password());
        } catch (RuntimeException e) {
            attempt.giveBack(); // busy or unavailable: no guess was made
            throw e;
        }
        if (found.isPresent()) {
            attempt.giveBack(); // the real user's logins never use up the account's limits
        }
        SessionService.NewSession session = found.orElseThrow(() -> new ApiException(401, "bad-credentials",
                "Wrong handle or password", "the handle and password do not match a user"));
        return Response.created(URI.create("/api/sessions/current"))
                .cookie(cookie(session.token(), session.expiresAt(), context))
                .entity(new SessionView(session.token(), session.expiresAt()))
                .build();
    }

    @DELETE
    @Path("/current")
    public Response logOut(@Context SecurityContext security, @Context ContainerRequestContext context) {
        sessions.logOut(AuthFilter.require(security));
        return Response.noContent().cookie(cookie("", null, context)).build();
    }

    /**
     * "Log out everywhere": ends every session of the caller, the one making this request included
     * (a stolen token dies with the rest), on every node at once with the Redis store.
     */
    @DELETE
    public Response logOutEverywhere(@Context SecurityContext security, @Context ContainerRequestContext context) {
        sessions.logOutEverywhere(AuthFilter.require(security));
        return Response.noContent().cookie(cookie("", null, context)).build();
    }

    private NewCookie cookie(String token, Instant expiresAt, ContainerRequestContext context) {
        return SessionCookies.of(sessions.cookieName(), token, expiresAt, AuthFilter.isHttps(context));
    }
}
