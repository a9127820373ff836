package dev.ladder.posts;

import dev.ladder.http.ApiException;
import dev.ladder.http.Cursor;
import dev.ladder.http.Page;
import dev.ladder.photos.PhotoService;
import dev.ladder.posts.PostResource.PostView;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A user's posts. Its own root resource: JAX-RS picks one root class per request, so this path
 * cannot live under PostResource's /api while UserResource owns /api/users.
 */
@Path("/api/users/{handle}/posts")
@Produces(MediaType.APPLICATION_JSON)
public final class AuthorPostsResource {
    private final PostService posts;
    private final PhotoService photos;
    private final RenderedPosts rendered;

    public AuthorPostsResource(PostService posts, PhotoService photos, RenderedPosts rendered) {
        this.posts = posts;
        this.photos = photos;
        this.rendered = rendered;
    }

    @GET
    public Response list(@PathParam("handle") String handle,
                         @QueryParam("limit") String limit, @QueryParam("before") String before) {
        int size = Cursor.limit(limit);
        // The first page (the one the page and most clients ask for) comes from the cache.
        if ((before == null || before.isEmpty()) && size == RenderedPosts.CACHED_PAGE_SIZE) {
            return Response.ok(rendered.firstPageOf(handle).json(), MediaType.APPLICATION_JSON_TYPE).build();
        }
        Page<Post> page = posts.byAuthor(handle, before, size)
                .map(rows -> Page.of(rows, size, Post::id, post -> post))
                .orElseThrow(() -> ApiException.notFound("that user"));
        return Response.ok(new Page<>(PostView.of(page.items(), photos), page.next())).build();
    }
}
