package dev.ladder.users;

import dev.ladder.db.Freshness;
import dev.ladder.http.ApiException;
import dev.ladder.idempotency.Answer;
import dev.ladder.idempotency.IdempotencyFilter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;

@Path("/api/users")
@Produces(MediaType.APPLICATION_JSON)
public final class UserResource {
    private final UserService users;

    public UserResource(UserService users) {
        this.users = users;
    }

    public record CreateUserRequest(String handle, String email, String password) {
    }

    public record UserView(String id, String handle, Instant createdAt) {
        static UserView of(User user) {
            return new UserView(Long.toString(user.id()), user.handle(), Instant.ofEpochMilli(user.createdAt()));
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response signUp(CreateUserRequest request, @Context ContainerRequestContext context) {
        if (request == null) {
            throw ApiException.invalid("a JSON body {handle, email, password} is required");
        }
        // Rendered in the user's transaction, so an Idempotency-Key's answer commits with the user.
        Answer<User> answer = IdempotencyFilter.answer(context,
                user -> Response.created(URI.create("/api/users/" + user.handle())).entity(UserView.of(user)).build());
        return answer.response(users.signUp(request.handle(), request.email(), request.password(), answer));
    }

    @GET
    @Path("/{handle}")
    public UserView get(@PathParam("handle") String handle) {
        return users.byHandle(handle, Freshness.MAY_BE_STALE).map(UserView::of).orElseThrow(() -> ApiException.notFound("that user"));
    }
}
