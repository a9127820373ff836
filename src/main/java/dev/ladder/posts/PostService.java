package dev.ladder.posts;

import dev.ladder.cache.Cache;
import dev.ladder.db.Freshness;
import dev.ladder.db.Reads;
import dev.ladder.http.ApiException;
import dev.ladder.http.Cursor;
import dev.ladder.idempotency.Answer;
import dev.ladder.ids.IdGenerator;
import dev.ladder.photos.PhotoService;
import dev.ladder.sessions.CurrentUser;
import dev.ladder.users.User;
import dev.ladder.users.UserService;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The rules of posts: 1-1024 bytes of UTF-8, only the author changes or deletes, versions for
 * ETags. Every change goes through here, so here is where the cache of rendered posts and first
 * pages is told: a create, edit or delete invalidates what it made outdated
 * ({@link RenderedPosts#keysOf}) once it has committed and before it is acknowledged.
 */
public final class PostService {
    public static final int MAX_BODY_BYTES = 1024;

    private final Jdbi jdbi;
    private final Reads reads;
    private final UserService users;
    private final PhotoService photos;
    private final IdGenerator ids;
    private final Clock clock;
    private final Cache<RenderedPosts.Rendered> rendered;
    private final GroupInsert plainInserts;

    /**
     * rendered: the cache RenderedPosts reads through; this service invalidates it on every change.
     * insertGroupRows: posts.insertGroupRows (see {@link GroupInsert}).
     */
    public PostService(Jdbi jdbi, Reads reads, UserService users, PhotoService photos, IdGenerator ids, Clock clock,
                       Cache<RenderedPosts.Rendered> rendered, int insertGroupRows, MeterRegistry metrics) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.users = Objects.requireNonNull(users, "users");
        this.photos = Objects.requireNonNull(photos, "photos");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rendered = Objects.requireNonNull(rendered, "rendered");
        // Two groups at a time: one commits while the next gathers what arrived meanwhile.
        this.plainInserts = new GroupInsert(jdbi, insertGroupRows, 2, metrics);
    }

    /** A new post, showing photoIds (may be null or empty): up to four of the author's own photos. */
    public Post create(CurrentUser author, String body, List<String> photoIds) {
        return create(author, body, photoIds, null);
    }

    /** The same, storing answer (an Idempotency-Key's first response) in the post's own transaction. */
    public Post create(CurrentUser author, String body, List<String> photoIds, Answer<Post> answer) {
        validateBody(body);
        List<Long> shown = photos.checkAttachable(author, photoIds);
        long now = clock.millis();
        Post post = new Post(ids.next(), author.id(), author.handle(), body, 1, now, now);
        if (answer != null && answer.isKeyed()) {
            jdbi.useTransaction(handle -> {
                insert(handle, post);
                PhotoService.attach(handle, post.id(), shown);
                answer.store(handle, post);
            });
        } else if (shown.isEmpty()) {
            // Alone, one autocommitted INSERT; with others created at the same moment, one for all.
            plainInserts.insert(post);
        } else {
            jdbi.useTransaction(handle -> {
                insert(handle, post);
                PhotoService.attach(handle, post.id(), shown);
                if (answer != null) {
                    answer.store(handle, post);
                }
            });
        }
        // The first pages now miss it; the post's own key may remember it as absent.
        rendered.invalidateAll(RenderedPosts.keysOf(post.id(), post.authorHandle()));
        return post;
    }

    private static void insert(Handle handle, Post post) {
        bindInsert(handle.createUpdate(PostDao.INSERT), post).execute();
    }

    /** PostDao.INSERT's parameters, for a single statement or one row of a batch. */
    static <S extends SqlStatement<S>> S bindInsert(S statement, Post post) {
        return statement.bind("id", post.id())
                .bind("authorId", post.authorId())
                .bind("authorHandle", post.authorHandle())
                .bind("body", post.body())
                .bind("version", post.version())
                .bind("createdAt", post.createdAt())
                .bind("updatedAt", post.updatedAt());
    }

    public Optional<Post> find(long id) {
        return jdbi.withExtension(PostDao.class, dao -> dao.find(id));
    }

    /** A post, and whether it shows any photo (when not, its view needs no photo query). */
    public record Found(Post post, boolean showsPhotos) {
    }

    /**
     * The post for GET /api/posts/{id}: one query on one connection (see {@link PostDao#FIND_SHOWING}).
     * Fresh, on the primary: RenderedPosts keeps what it reads for every later reader, and a copy
     * from a lagging replica would put a replaced version back after an edit's invalidation.
     */
    public Optional<Found> findShowing(long id) {
        return jdbi.withHandle(handle -> handle.createQuery(PostDao.FIND_SHOWING)
                .bind("id", id)
                .map((rows, context) -> new Found(PostDao.ROW.map(rows, context), rows.getBoolean(8)))
                .findOne());
    }

    /**
     * Replaces the body. With expectedVersion (from If-Match) the edit applies only to that
     * version, else 412; without it, to whatever version is current.
     */
    public Post update(CurrentUser editor, long id, String body, OptionalInt expectedVersion) {
        validateBody(body);
        Post updated = jdbi.inTransaction(handle -> {
            PostDao dao = handle.attach(PostDao.class);
            // Without If-Match the edit applies to the current version, whatever a concurrent edit did:
            // the row is locked, so the version read is still current at the update (no spurious 412).
            Post current = (expectedVersion.isPresent() ? dao.find(id) : dao.findForUpdate(id))
                    .orElseThrow(() -> ApiException.notFound("that post"));
            if (current.authorId() != editor.id()) {
                throw ApiException.forbidden("only the author may change a post");
            }
            int version = expectedVersion.orElse(current.version());
            long now = clock.millis();
            if (dao.update(id, version, body, now) == 0) {
                throw new ApiException(412, "version-mismatch", "Precondition failed",
                        "the post has changed since you read it; fetch it again");
            }
            return new Post(id, current.authorId(), current.authorHandle(), body, version + 1, current.createdAt(), now);
        });
        // After the commit: a read in between would cache the old version again.
        rendered.invalidateAll(RenderedPosts.keysOf(id, updated.authorHandle()));
        return updated;
    }

    public void delete(CurrentUser editor, long id) {
        Post deleted = jdbi.inTransaction(handle -> {
            PostDao dao = handle.attach(PostDao.class);
            Post current = dao.find(id).orElseThrow(() -> ApiException.notFound("that post"));
            if (current.authorId() != editor.id()) {
                throw ApiException.forbidden("only the author may delete a post");
            }
            dao.delete(id, editor.id());
            PhotoService.detachAll(handle, id);
            return current;
        });
        rendered.invalidateAll(RenderedPosts.keysOf(id, deleted.authorHandle()));
    }

    /**
     * Everyone's posts, newest first. May be stale (a replica's, but never behind the caller's own
     * writes); a page kept for others (a shared cache) must be read fresh instead.
     */
    public List<Post> recent(String before, int limit) {
        return recent(before, limit, Freshness.MAY_BE_STALE);
    }

    /** {@link #recent} read as fresh as asked: FRESH for a page a shared cache keeps for everyone. */
    public List<Post> recent(String before, int limit, Freshness freshness) {
        long below = Cursor.decode(before).orElse(Long.MAX_VALUE);
        return reads.withExtension(freshness, PostDao.class, dao -> dao.recent(below, limit + 1));
    }

    /** One user's posts, newest first; empty when there is no such user. May be stale, as {@link #recent}. */
    public Optional<List<Post>> byAuthor(String handle, String before, int limit) {
        return byAuthor(handle, before, limit, Freshness.MAY_BE_STALE);
    }

    /** {@link #byAuthor} read as fresh as asked: FRESH for a page a shared cache keeps for everyone. */
    public Optional<List<Post>> byAuthor(String handle, String before, int limit, Freshness freshness) {
        long below = Cursor.decode(before).orElse(Long.MAX_VALUE);
        Optional<User> author = users.byHandle(handle, freshness);
        return author.map(user -> reads.withExtension(freshness, PostDao.class,
                dao -> dao.byAuthor(user.id(), below, limit + 1)));
    }

    static void validateBody(String body) {
        if (body == null || body.isEmpty()) {
            throw ApiException.invalid("body: must be 1-" + MAX_BODY_BYTES + " bytes of UTF-8 text");
        }
        int bytes = utf8Length(body);
        if (bytes > MAX_BODY_BYTES) {
            throw ApiException.invalid("body: is " + bytes + " bytes of UTF-8; the limit is " + MAX_BODY_BYTES);
        }
    }

    /** UTF-8 length; lone surrogates (which no UTF-8 can carry) are refused rather than replaced. */
    static int utf8Length(String text) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            return encoded.remaining();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid("body: is not valid Unicode text");
        }
    }
}
