package dev.ladder.posts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.ladder.cache.Cache;
import dev.ladder.cache.Codec;
import dev.ladder.db.Freshness;
import dev.ladder.http.ApiException;
import dev.ladder.http.Json;
import dev.ladder.http.Page;
import dev.ladder.photos.PhotoService;
import dev.ladder.photos.PhotoStatus;
import dev.ladder.photos.PhotoView;
import dev.ladder.posts.PostResource.PostView;
import jakarta.ws.rs.core.EntityTag;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Posts as the API sends them, cached: single posts (the JSON bytes of one version and its ETag)
 * and the first page of the global timeline and of each user's posts, so a hot post or timeline
 * is read from the database and serialized once per version, not once per request.
 *
 * <p>Only settled renderings are cached: a post whose photos are still pending changes (its
 * thumbnails appear) without a new version, so it is rendered afresh until they are done.
 * {@link PostService} (and PhotoService, when a deleted photo leaves a post) invalidate the keys
 * a change touches ({@link #keysOf}) once it has committed; see the cache implementations for
 * what that guarantees on this node and on others. A conditional read never trusts the cache
 * ({@link #current}), so no node answers 304 for a version that has been replaced.
 */
public final class RenderedPosts {
    /** The first pages that are cached are those of the default size (what the page and most clients ask for). */
    static final int CACHED_PAGE_SIZE = 20;
    private static final String POST = "post:";
    private static final String RECENT = "page:recent";
    private static final String AUTHOR = "page:author:";

    private final PostService posts;
    private final PhotoService photos;
    private final Cache<Rendered> cache;
    private final PhotoLinks links;
    private final ObjectWriter postWriter;
    private final ObjectWriter pageWriter;

    public RenderedPosts(PostService posts, PhotoService photos, Cache<Rendered> cache, PhotoLinks links) {
        this.posts = Objects.requireNonNull(posts, "posts");
        this.photos = Objects.requireNonNull(photos, "photos");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.links = Objects.requireNonNull(links, "links");
        this.postWriter = Json.mapper().writerFor(PostView.class);
        this.pageWriter = Json.mapper().writerFor(new TypeReference<Page<PostView>>() { });
    }

    /** One rendering, ready to send: its JSON and (for a single post; null for a page) its entity tag. */
    public record Rendered(EntityTag etag, String etagHeader, byte[] json, boolean settled) {
        /** What an entry weighs in the cache: the bytes plus about 96 for the objects around them. */
        public int weight() {
            return json.length + (etagHeader == null ? 0 : etagHeader.length()) + 96;
        }
    }

    PhotoService photos() {
        return photos;
    }

    /** The cache key of a post's rendering. */
    public static String key(long id) {
        return POST + id;
    }

    /** Every cached rendering a change to this post (create, edit, delete, a photo leaving it) makes outdated. */
    public static List<String> keysOf(long postId, String authorHandle) {
        return List.of(key(postId), RECENT, AUTHOR + authorHandle);
    }

    /** The cached rendering, else the database's (which then fills the cache; a missing post is remembered briefly). */
    public Optional<Rendered> find(long id) {
        return cache.get(key(id), unused -> current(id), Rendered::settled);
    }

    /** The post as the database has it now, whatever is cached: for conditional reads, which must compare with the current version. */
    public Optional<Rendered> current(long id) {
        return posts.findShowing(id).map(found -> found.showsPhotos()
                ? render(found.post())
                : render(found.post(), PostView.of(found.post(), List.of())));
    }

    /**
     * The first page of everyone's posts (newest first), from the cache when it holds it. A miss reads
     * the primary: a replica's older page kept in a shared cache would outlive the invalidation that
     * came before it.
     */
    public Rendered firstPageOfRecent() {
        return cache.get(RECENT, unused -> Optional.of(render(posts.recent(null, CACHED_PAGE_SIZE, Freshness.FRESH))), Rendered::settled).orElseThrow();
    }

    /** The first page of one user's posts; a 404 (never cached: the user may sign up the next second) when there is no such user. */
    public Rendered firstPageOf(String handle) {
        return cache.get(AUTHOR + handle, unused -> Optional.of(render(posts.byAuthor(handle, null, CACHED_PAGE_SIZE, Freshness.FRESH)
                        .orElseThrow(() -> ApiException.notFound("that user")))), Rendered::settled)
                .orElseThrow(() -> ApiException.notFound("that user"));
    }

    /** A page of posts as JSON: up to limit of rows (one more tells there is a next page). */
    private Rendered render(List<Post> rows) {
        Page<Post> page = Page.of(rows, CACHED_PAGE_SIZE, Post::id, post -> post);
        List<PostView> views = PostView.of(page.items(), photos);
        boolean settled = views.stream().flatMap(view -> view.photos().stream()).noneMatch(photo -> photo.status() == PhotoStatus.pending);
        try {
            return new Rendered(null, null, pageWriter.writeValueAsBytes(new Page<>(views, page.next())), settled);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a page of posts could not be written as JSON", e);
        }
    }

    Rendered render(Post post) {
        return render(post, PostResource.view(post, photos));
    }

    private Rendered render(Post post, PostView view) {
        EntityTag etag = etag(view, post.version());
        boolean settled = view.photos().stream().map(PhotoView::status).noneMatch(status -> status == PhotoStatus.pending);
        try {
            return new Rendered(etag, etag.toString(), postWriter.writeValueAsBytes(view), settled);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a post could not be written as JSON", e);
        }
    }

    /**
     * "v3" for version 3 of a post without photos; with photos, "v3.DIGEST" where the digest covers
     * each photo's id and state (not its links: a presigned link is new at every render), and when
     * links expire ".WINDOW" as well ({@link PhotoLinks}), so a 304 never keeps a client on expired links.
     */
    EntityTag etag(PostView view, int version) {
        return etag(view, version, links);
    }

    static EntityTag etag(PostView view, int version, PhotoLinks links) {
        if (view.photos().isEmpty()) {
            return new EntityTag("v" + version);
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (PhotoView photo : view.photos()) {
                digest.update((photo.id() + " " + photo.status() + " " + photo.contentType() + " " + photo.width() + "x" + photo.height()
                        + " " + photo.thumbnailWidth() + "x" + photo.thumbnailHeight() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return new EntityTag("v" + version + "." + HexFormat.of().formatHex(digest.digest(), 0, 8) + links.windowTag());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Renderings as bytes for a shared cache: a format byte, whether it is settled, the entity
     * tag's value (length-prefixed, -1 for none), then the JSON.
     */
    public static final class RenderedCodec implements Codec<Rendered> {
        private static final byte FORMAT = 1;

        @Override
        public byte[] encode(Rendered value) {
            byte[] tag = value.etag() == null ? null : value.etag().getValue().getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.allocate(2 + 4 + (tag == null ? 0 : tag.length) + value.json().length);
            buffer.put(FORMAT).put((byte) (value.settled() ? 1 : 0)).putInt(tag == null ? -1 : tag.length);
            if (tag != null) {
                buffer.put(tag);
            }
            return buffer.put(value.json()).array();
        }

        @Override
        public Rendered decode(byte[] bytes) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                if (buffer.get() != FORMAT) {
                    throw new IllegalArgumentException("not a rendering of this release's format");
                }
                boolean settled = buffer.get() == 1;
                int tagLength = buffer.getInt();
                EntityTag etag = null;
                if (tagLength >= 0) {
                    byte[] tag = new byte[tagLength];
                    buffer.get(tag);
                    etag = new EntityTag(new String(tag, StandardCharsets.UTF_8));
                }
                byte[] json = new byte[buffer.remaining()];
                buffer.get(json);
                return new Rendered(etag, etag == null ? null : etag.toString(), json, settled);
            } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
                throw new IllegalArgumentException("a truncated rendering", e);
            }
        }
    }
}
