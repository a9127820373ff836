package dev.ladder.posts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.ladder.cache.Cache;
import dev.ladder.http.Json;
import dev.ladder.posts.PostResource.PostView;
import jakarta.ws.rs.core.EntityTag;
import java.util.Objects;
import java.util.Optional;

/**
 * Single posts as the API sends them: the JSON bytes of one version of a post, kept in a
 * {@link Cache} so a hot post is read from the database and serialized once per version, not once
 * per request (the profile of GET /api/posts/{id} put the database round trip and Jackson on top).
 *
 * <p>Edits replace the cached copy and deletes drop it, on this node at once. A read that missed
 * just before a concurrent edit may put the older version back; the cache's time-to-live bounds
 * that, as it bounds other nodes' copies.
 */
public final class RenderedPosts {
    private static final String KEY_PREFIX = "post:";

    private final PostService posts;
    private final Cache<Rendered> cache;
    private final ObjectWriter writer;

    public RenderedPosts(PostService posts, Cache<Rendered> cache) {
        this.posts = Objects.requireNonNull(posts, "posts");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.writer = Json.mapper().writerFor(PostView.class);
    }

    /** One version of a post, ready to send: its version (the ETag) and its JSON. */
    public record Rendered(int version, byte[] json) {
        public EntityTag etag() {
            return new EntityTag("v" + version);
        }

        /** The ETag header's value, "v3" in quotes. */
        public String etagHeader() {
            return "\"v" + version + "\"";
        }

        /** What an entry weighs in the cache: the bytes plus about 64 for the objects around them. */
        public int weight() {
            return json.length + 64;
        }
    }

    /** The cached rendering only, never the database: for the direct read path. */
    public Optional<Rendered> cached(long id) {
        return cache.get(KEY_PREFIX + id);
    }

    public Optional<Rendered> find(long id) {
        String key = KEY_PREFIX + id;
        Optional<Rendered> cached = cache.get(key);
        if (cached.isPresent()) {
            return cached;
        }
        Optional<Rendered> read = posts.find(id).map(this::render);
        read.ifPresent(rendered -> cache.put(key, rendered));
        return read;
    }

    /** The post has a new version: the next read gets it without going to the database. */
    public void replaced(Post post) {
        cache.put(KEY_PREFIX + post.id(), render(post));
    }

    public void deleted(long id) {
        cache.invalidate(KEY_PREFIX + id);
    }

    Rendered render(Post post) {
        try {
            return new Rendered(post.version(), writer.writeValueAsBytes(PostView.of(post)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a post could not be written as JSON", e);
        }
    }
}
