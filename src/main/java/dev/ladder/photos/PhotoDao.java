package dev.ladder.photos;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(Photo.class)
public interface PhotoDao {
    String COLUMNS = """
            id, owner_id, owner_handle, status, content_type, width, height, bytes, original_key,
            thumbnail_key, thumbnail_width, thumbnail_height, queued, failure, created_at, updated_at""";

    record Upload(long id, long ownerId, String contentType, int bytes, long expiresAt) {
    }

    record PostPhoto(long postId, long photoId) {
    }

    @SqlUpdate("INSERT INTO photos (" + COLUMNS + """
            ) VALUES (:id, :ownerId, :ownerHandle, :status, :contentType, :width, :height, :bytes, :originalKey,
            :thumbnailKey, :thumbnailWidth, :thumbnailHeight, :queued, :failure, :createdAt, :updatedAt)""")
    void insert(@BindMethods Photo photo);

    @SqlQuery("SELECT " + COLUMNS + " FROM photos WHERE id = :id")
    Optional<Photo> find(long id);

    @SqlQuery("SELECT " + COLUMNS + " FROM photos WHERE id IN (<ids>)")
    List<Photo> findAll(@BindList("ids") List<Long> ids);

    // USE INDEX (photos_owner), here and below: as in PostDao.byAuthor, MariaDB otherwise may read a
    // prolific owner's photos from the newest down to the cursor (850 rows for 21; docs/db-explain.md).
    @SqlQuery("SELECT " + COLUMNS + " FROM photos USE INDEX (photos_owner)"
            + " WHERE owner_id = :ownerId AND id < :before ORDER BY id DESC LIMIT :limit")
    List<Photo> byOwner(long ownerId, long before, int limit);

    /** The photos others may see: those a post shows (and that did not fail). */
    @SqlQuery("SELECT " + COLUMNS + """
             FROM photos USE INDEX (photos_owner) WHERE owner_id = :ownerId AND id < :before AND status <> 'failed'
              AND EXISTS (SELECT 1 FROM post_photos WHERE post_photos.photo_id = photos.id)
            ORDER BY id DESC LIMIT :limit""")
    List<Photo> publishedByOwner(long ownerId, long before, int limit);

    @SqlQuery("SELECT COUNT(*) FROM post_photos WHERE photo_id = :id")
    int postsShowing(long id);

    @SqlQuery("SELECT post_id FROM post_photos WHERE photo_id = :id")
    List<Long> postsOf(long id);

    @SqlUpdate("DELETE FROM post_photos WHERE photo_id = :id")
    int detachEverywhere(long id);

    @SqlUpdate("UPDATE photos SET queued = TRUE WHERE id = :id")
    int markQueued(long id);

    /** Pending photos whose job never reached the queue. */
    @SqlQuery("SELECT " + COLUMNS + " FROM photos WHERE status = 'pending' AND queued = FALSE AND created_at < :before ORDER BY created_at LIMIT :limit")
    List<Photo> unqueued(long before, int limit);

    /** Only a pending photo becomes ready: a redelivered job changes nothing the second time. */
    @SqlUpdate("""
            UPDATE photos SET status = 'ready', thumbnail_key = :key, thumbnail_width = :width, thumbnail_height = :height,
              updated_at = :now
            WHERE id = :id AND status = 'pending'
            """)
    int markReady(long id, String key, int width, int height, long now);

    @SqlUpdate("UPDATE photos SET status = 'failed', failure = :failure, updated_at = :now WHERE id = :id AND status = 'pending'")
    int markFailed(long id, String failure, long now);

    @SqlUpdate("DELETE FROM photos WHERE id = :id")
    int delete(long id);

    @SqlUpdate("INSERT INTO photo_uploads (id, owner_id, content_type, bytes, expires_at) VALUES (:id, :ownerId, :contentType, :bytes, :expiresAt)")
    void insertUpload(@BindMethods Upload upload);

    @SqlQuery("SELECT id, owner_id, content_type, bytes, expires_at FROM photo_uploads WHERE id = :id")
    @RegisterConstructorMapper(Upload.class)
    Optional<Upload> findUpload(long id);

    @SqlQuery("SELECT COUNT(*) FROM photo_uploads WHERE owner_id = :ownerId AND expires_at > :now")
    int openUploads(long ownerId, long now);

    @SqlUpdate("DELETE FROM photo_uploads WHERE id = :id")
    int deleteUpload(long id);

    @SqlQuery("SELECT id, owner_id, content_type, bytes, expires_at FROM photo_uploads WHERE expires_at <= :now ORDER BY expires_at LIMIT :limit")
    @RegisterConstructorMapper(Upload.class)
    List<Upload> expiredUploads(long now, int limit);

    @SqlBatch("INSERT INTO post_photos (post_id, photo_id, seq) VALUES (:postId, :photoId, :seq)")
    void attach(long postId, List<Long> photoId, List<Integer> seq);

    @SqlQuery("SELECT post_id, photo_id FROM post_photos WHERE post_id IN (<postIds>) ORDER BY post_id, seq")
    @RegisterConstructorMapper(PostPhoto.class)
    List<PostPhoto> photosOfPosts(@BindList("postIds") List<Long> postIds);

    @SqlUpdate("DELETE FROM post_photos WHERE post_id = :postId")
    int detachAll(long postId);
}
