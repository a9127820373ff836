package dev.ladder.posts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.ladder.cache.Cache;
import dev.ladder.http.Json;
import dev.ladder.photos.PhotoService;
import dev.ladder.photos.PhotoStatus;
import dev.ladder.photos.PhotoView;
import dev.ladder.posts.PostResource.PostView;
import jakarta.ws.rs.core.EntityTag;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Single posts as the API sends them: the JSON bytes of one version of a post, kept in a
 * {@link Cache} so a hot post is read from the database and serialized once per version, not once
 * per request (the profile of GET /api/posts/{id} put the database round trip and Jackson on top).
 *
 * <p>Only settled renderings are cached: a post whose photos are still pending changes (its
 * thumbnails appear) without a new version, so it is rendered afresh until they are done.
 * {@link PostService} drops a post's copy on this node when it changes it. A read that missed
 * just before a concurrent edit may put the older version back; the cache's time-to-live
 * (posts.cacheTtl) bounds that, as it bounds other nodes' copies: an acknowledged change is seen
 * by every node within posts.cacheTtl. A conditional read never trusts the cache
 * ({@link #current}), so no node answers 304 for a version that has been replaced.
 */
public final class RenderedPosts {
    private static final String KEY_PREFIX = "post:";

    private final PostService posts;
    private final PhotoService photos;
    private final Cache<Rendered> cache;
    private final ObjectWriter writer;

    public RenderedPosts(PostService posts, PhotoService photos, Cache<Rendered> cache) {
        this.posts = Objects.requireNonNull(posts, "posts");
        this.photos = Objects.requireNonNull(photos, "photos");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.writer = Json.mapper().writerFor(PostView.class);
    }

    /** One rendering of a post, ready to send: its entity tag and its JSON. */
    public record Rendered(EntityTag etag, String etagHeader, byte[] json, boolean settled) {
        /** What an entry weighs in the cache: the bytes plus about 96 for the objects around them. */
        public int weight() {
            return json.length + etagHeader.length() + 96;
        }
    }

    PhotoService photos() {
        return photos;
    }

    /** The cache key of a post's rendering (shared with PostService, which invalidates it). */
    public static String key(long id) {
        return KEY_PREFIX + id;
    }

    /** The cached rendering only, never the database: for the direct read path. */
    public Optional<Rendered> cached(long id) {
        return cache.get(KEY_PREFIX + id);
    }

    /** The cached rendering, else the database's (which then fills the cache). */
    public Optional<Rendered> find(long id) {
        Optional<Rendered> cached = cache.get(key(id));
        if (cached.isPresent()) {
            return cached;
        }
        return current(id);
    }

    /**
     * The post as the database has it now, whatever this node has cached (and the cache is
     * refreshed with it): for conditional reads, which must compare with the current version.
     */
    public Optional<Rendered> current(long id) {
        Optional<Rendered> read = posts.findShowing(id).map(found -> found.showsPhotos()
                ? render(found.post())
                : render(found.post(), PostView.of(found.post(), List.of())));
        if (read.isEmpty()) {
            cache.invalidate(key(id));
        }
        read.filter(Rendered::settled).ifPresent(rendered -> cache.put(key(id), rendered));
        return read;
    }

    Rendered render(Post post) {
        return render(post, PostResource.view(post, photos));
    }

    private Rendered render(Post post, PostView view) {
        EntityTag etag = PostResource.etag(view, post.version());
        boolean settled = view.photos().stream().map(PhotoView::status).noneMatch(status -> status == PhotoStatus.pending);
        try {
            return new Rendered(etag, etag.toString(), writer.writeValueAsBytes(view), settled);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a post could not be written as JSON", e);
        }
    }
}
