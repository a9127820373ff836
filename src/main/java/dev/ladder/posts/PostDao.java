package dev.ladder.posts;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Posts by keyset: every list is "newest first, ids below a cursor", served by an index. */
@RegisterConstructorMapper(Post.class)
public interface PostDao {
    String COLUMNS = "id, author_id, author_handle, body, version, created_at, updated_at";

    String INSERT = "INSERT INTO posts (" + COLUMNS + ") VALUES (:id, :authorId, :authorHandle, :body, :version, :createdAt, :updatedAt)";

    /**
     * The read behind GET /api/posts/{id}: the post and whether it shows any photo, in one round
     * trip, so a post without photos (most of them) needs no second query. PostService runs it
     * (and INSERT) as a fluent query with {@link #ROW}: attaching this interface per call cost
     * about twice the CPU of the query itself (see BENCHMARKS.md, "database paths").
     */
    String FIND_SHOWING = "SELECT " + COLUMNS + ", EXISTS (SELECT 1 FROM post_photos pp WHERE pp.post_id = posts.id) AS shows_photos"
            + " FROM posts WHERE id = :id";

    /** Maps the columns of {@link #COLUMNS}, in that order, by index. */
    RowMapper<Post> ROW = (rows, context) -> new Post(rows.getLong(1), rows.getLong(2), rows.getString(3), rows.getString(4),
            rows.getInt(5), rows.getLong(6), rows.getLong(7));

    @SqlUpdate(INSERT)
    void insert(@BindMethods Post post);

    @SqlQuery("SELECT " + COLUMNS + " FROM posts WHERE id = :id")
    Optional<Post> find(long id);

    /** The row, locked until the transaction ends: an edit without If-Match applies to whatever is current. */
    @SqlQuery("SELECT " + COLUMNS + " FROM posts WHERE id = :id FOR UPDATE")
    Optional<Post> findForUpdate(long id);

    /** Changes the body only if the post is still at the expected version; returns rows changed. */
    @SqlUpdate("""
            UPDATE posts SET body = :body, version = version + 1, updated_at = :updatedAt
            WHERE id = :id AND version = :expectedVersion
            """)
    int update(long id, int expectedVersion, String body, long updatedAt);

    @SqlUpdate("DELETE FROM posts WHERE id = :id AND author_id = :authorId")
    int delete(long id, long authorId);

    @SqlQuery("SELECT " + COLUMNS + " FROM posts WHERE id < :before ORDER BY id DESC LIMIT :limit")
    List<Post> recent(long before, int limit);

    // ORDER BY names both columns of posts_author (author_id is fixed, so the order is the same):
    // H2 then walks the index backwards and stops at the limit; with "ORDER BY id DESC" alone it
    // read and sorted all of the author's posts (the embedded seed-mix profile: 75 % of CPU in H2).
    // USE INDEX: without it MariaDB costed the range on posts_author above one on PRIMARY, fell back
    // to ref on author_id alone and filtered id < :before row by row, so a prolific author's page
    // 10-50 % deep read 8,000-42,000 rows for 21 (docs/db-explain.md); H2 accepts the hint too.
    @SqlQuery("SELECT " + COLUMNS + " FROM posts USE INDEX (posts_author)"
            + " WHERE author_id = :authorId AND id < :before ORDER BY author_id DESC, id DESC LIMIT :limit")
    List<Post> byAuthor(long authorId, long before, int limit);
}
