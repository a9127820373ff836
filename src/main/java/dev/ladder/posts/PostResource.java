package dev.ladder.posts;

import dev.ladder.config.Config;
import dev.ladder.http.ApiException;
import dev.ladder.http.Cursor;
import dev.ladder.http.Page;
import dev.ladder.idempotency.Answer;
import dev.ladder.idempotency.IdempotencyFilter;
import dev.ladder.ids.IdGenerator;
import dev.ladder.photos.Photo;
import dev.ladder.photos.PhotoService;
import dev.ladder.photos.PhotoView;
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
import jakarta.ws.rs.container.ContainerRequestContext;
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
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Path("/api/posts")
@Produces(MediaType.APPLICATION_JSON)
public final class PostResource {
    // "v3", or "v3.<photos>" when the post shows photos (whose state is part of what is cached),
    // or "v3.<photos>.<window>" when their links are presigned (see PhotoLinks).
    private static final Pattern OUR_ETAG = Pattern.compile("\\s*(?:W/)?\"v(\\d{1,9})(?:\\.[0-9a-f]{1,16}){0,2}\"\\s*");

    private final PostService posts;
    private final PhotoService photos;
    private final RenderedPosts rendered;
    private final CacheControl cacheControl;

    public PostResource(PostService posts, RenderedPosts rendered, Config.Posts config) {
        this.posts = posts;
        this.photos = rendered.photos();
        this.rendered = rendered;
        this.cacheControl = new CacheControl();
        cacheControl.setMaxAge((int) config.cacheMaxAge().toSeconds());
        cacheControl.setNoTransform(false);
    }

    /** photoIds (optional, at most 4 of the author's own photos) can be given only when a post is created. */
    public record PostRequest(String body, List<String> photoIds) {
    }

    public record PostView(String id, String author, String body, List<PhotoView> photos, Instant createdAt, Instant updatedAt) {
        static PostView of(Post post, List<PhotoView> photos) {
            return new PostView(Long.toString(post.id()), post.authorHandle(), post.body(), photos,
                    Instant.ofEpochMilli(post.createdAt()), Instant.ofEpochMilli(post.updatedAt()));
        }

        /** Views of posts with the photos each shows, read in one query for the lot. */
        static List<PostView> of(List<Post> posts, PhotoService photos) {
            Map<Long, List<Photo>> shown = photos.photosOfPosts(posts.stream().map(Post::id).toList());
            return posts.stream().map(post -> of(post, shown.getOrDefault(post.id(), List.of()).stream()
                    .map(photo -> PhotoView.of(photo, photos)).toList())).toList();
        }
    }

    static PostView view(Post post, PhotoService photos) {
        return PostView.of(List.of(post), photos).getFirst();
    }

    private PostView view(Post post) {
        return PostView.of(List.of(post), photos).getFirst();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(PostRequest request, @Context SecurityContext security, @Context ContainerRequestContext context) {
        var author = AuthFilter.require(security);
        // Rendered in the post's transaction, so an Idempotency-Key's answer commits with the post.
        Answer<Post> answer = IdempotencyFilter.answer(context, post -> {
            // A post created without photos shows none: no query needed to say so.
            PostView view = request.photoIds() == null || request.photoIds().isEmpty() ? PostView.of(post, List.of()) : view(post);
            return Response.created(URI.create("/api/posts/" + post.id())).tag(rendered.etag(view, post.version())).entity(view).build();
        });
        return answer.response(posts.create(author, bodyOf(request), request.photoIds(), answer));
    }

    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") String id, @Context Request request, @Context HttpHeaders headers) {
        // A 304 says "your copy is current": only the database can say that, not a cache another node may have outdated.
        boolean conditional = headers.getHeaderString(HttpHeaders.IF_NONE_MATCH) != null;
        long postId = parseId(id);
        RenderedPosts.Rendered post = (conditional ? rendered.current(postId) : rendered.find(postId))
                .orElseThrow(() -> ApiException.notFound("that post"));
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
        if (request != null && request.photoIds() != null) {
            throw ApiException.invalid("photoIds: a post's photos are chosen when it is created and cannot be changed");
        }
        Post post = posts.update(editor, parseId(id), bodyOf(request), expectedVersion(headers.getHeaderString(HttpHeaders.IF_MATCH)));
        PostView view = view(post);
        return Response.ok(view).tag(rendered.etag(view, post.version())).build();
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id, @Context SecurityContext security) {
        var editor = AuthFilter.require(security);
        long postId = parseId(id);
        posts.delete(editor, postId);
        return Response.noContent().build();
    }

    @GET
    public Response recent(@QueryParam("limit") String limit, @QueryParam("before") String before) {
        int size = Cursor.limit(limit);
        if ((before == null || before.isEmpty()) && size == RenderedPosts.CACHED_PAGE_SIZE) {
            return Response.ok(rendered.firstPageOfRecent().json(), MediaType.APPLICATION_JSON_TYPE).build();
        }
        Page<Post> page = Page.of(posts.recent(before, size), size, Post::id, post -> post);
        return Response.ok(new Page<>(PostView.of(page.items(), photos), page.next())).build();
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
