package dev.ladder.posts;

import dev.ladder.config.Config;
import dev.ladder.http.ApiException;
import dev.ladder.http.Cursor;
import dev.ladder.http.Page;
import dev.ladder.ids.IdGenerator;
import dev.ladder.sessions.AuthFilter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Path("/api/posts")
@Produces(MediaType.APPLICATION_JSON)
public final class PostResource {
    private static final Pattern OUR_ETAG = Pattern.compile("\\s*(?:W/)?\"v(\\d{1,9})\"\\s*");

    private final PostService posts;
    private final RenderedPosts rendered;
    private final CacheControl cacheControl;

    public PostResource(PostService posts, RenderedPosts rendered, Config.Posts config) {
        this.posts = posts;
        this.rendered = rendered;
        this.cacheControl = new CacheControl();
        cacheControl.setMaxAge((int) config.cacheMaxAge().toSeconds());
        cacheControl.setNoTransform(false);
    }

    public record PostRequest(String body) {
    }

    public record PostView(String id, String author, String body, Instant createdAt, Instant updatedAt) {
        static PostView of(Post post) {
            return new PostView(Long.toString(post.id()), post.authorHandle(), post.body(),
                    Instant.ofEpochMilli(post.createdAt()), Instant.ofEpochMilli(post.updatedAt()));
        }
    }

    static EntityTag etag(Post post) {
        return new EntityTag("v" + post.version());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(PostRequest request, @Context SecurityContext security) {
        var author = AuthFilter.require(security);
        Post post = posts.create(author, bodyOf(request));
        return Response.created(URI.create("/api/posts/" + post.id())).tag(etag(post)).entity(PostView.of(post)).build();
    }

    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") String id, @Context Request request) {
        RenderedPosts.Rendered post = rendered.find(parseId(id)).orElseThrow(() -> ApiException.notFound("that post"));
        EntityTag tag = post.etag();
        Response.ResponseBuilder notModified = request.evaluatePreconditions(tag);
        if (notModified != null) {
            return notModified.cacheControl(cacheControl).tag(tag).build();
        }
        // Already JSON: Jersey writes the bytes as they are, no per-request serialization.
        return Response.ok(post.json(), MediaType.APPLICATION_JSON_TYPE).tag(tag).cacheControl(cacheControl).build();
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response update(@PathParam("id") String id, PostRequest request,
                           @Context SecurityContext security, @Context HttpHeaders headers) {
        var editor = AuthFilter.require(security);
        Post post = posts.update(editor, parseId(id), bodyOf(request), expectedVersion(headers.getHeaderString(HttpHeaders.IF_MATCH)));
        rendered.replaced(post);
        return Response.ok(PostView.of(post)).tag(etag(post)).build();
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id, @Context SecurityContext security) {
        var editor = AuthFilter.require(security);
        long postId = parseId(id);
        posts.delete(editor, postId);
        rendered.deleted(postId);
        return Response.noContent().build();
    }

    @GET
    public Page<PostView> recent(@QueryParam("limit") String limit, @QueryParam("before") String before) {
        int size = Cursor.limit(limit);
        return Page.of(posts.recent(before, size), size, Post::id, PostView::of);
    }

    private static String bodyOf(PostRequest request) {
        if (request == null) {
            throw ApiException.invalid("a JSON body {\"body\": \"...\"} is required");
        }
        return request.body();
    }

    /** Unknown and malformed ids are the same 404: an id is only ever something we handed out. */
    private static long parseId(String id) {
        return IdGenerator.parse(id).orElseThrow(() -> ApiException.notFound("that post"));
    }

    /**
     * If-Match names the version the client read. "*" means any version; a tag that is not one
     * of ours can never match, so it gets 412 like a stale one.
     */
    static OptionalInt expectedVersion(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return OptionalInt.empty();
        }
        Matcher matcher = OUR_ETAG.matcher(ifMatch);
        if (!matcher.matches()) {
            throw new ApiException(412, "version-mismatch", "Precondition failed", "If-Match does not name a version of this post");
        }
        return OptionalInt.of(Integer.parseInt(matcher.group(1)));
    }
}
