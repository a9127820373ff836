package dev.ladder.plans;

import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Synthetic rows for the tables `ladder seed` leaves empty (sessions, photos and the photos posts
 * show, uploads, jobs, idempotency keys, the object outbox), on MariaDB (its SEQUENCE engine's
 * {@code seq_1_to_N} tables), so that their queries are explained against a realistic volume
 * rather than an empty table, where any plan is free. A table that has rows already is left as it
 * is. Sizes, for {@code rows} = n:
 *
 * <ul>
 *   <li>photos: one for each of the newest n posts, owned by its author (so owners follow the same
 *       Zipf skew as authors); 90 % ready, 5 % failed, 5 % pending, a tenth of those never queued
 *       (the stranded photos housekeeping looks for); every other one shown by its post;</li>
 *   <li>sessions and idempotency keys: n each, spread over 1,000 users;</li>
 *   <li>uploads, pending objects, jobs: n / 10 each; jobs 80 % deliverable, 10 % in flight, 10 %
 *       dead letters older than a week.</li>
 * </ul>
 *
 * <p>A tenth of the sessions, keys, uploads and outbox records are expired or due: a backlog that
 * housekeeping (every 1-10 minutes) has yet to clear, more than it leaves in a steady state. With
 * half of a table expired a full scan is the right plan for a purge, and the optimizer takes it.
 */
final class SideTables {
    private SideTables() {
    }

    /** Fills the empty side tables with about n rows each (see above) and refreshes every table's statistics. */
    static void fill(Handle handle, int rows, long now) {
        if (rows < 10 || rows > 10_000_000) {
            throw new IllegalArgumentException("rows must be 10-10000000, got " + rows);
        }
        int tenth = rows / 10;
        // One user in each slot 1..1000 (fewer when there are fewer users): the callers of sessions, keys and uploads.
        String users = "(SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS slot FROM (SELECT id FROM users ORDER BY id LIMIT 1000) lowest)";
        String userCount = "(SELECT LEAST(COUNT(*), 1000) FROM users)";
        String expiry = "CASE WHEN MOD(s.seq, 10) = 0 THEN " + now + " - s.seq * 1000 ELSE " + now + " + s.seq * 1000 END";
        String newestPosts = "(SELECT id, author_id, author_handle, created_at, ROW_NUMBER() OVER (ORDER BY id DESC) AS n FROM"
                + " (SELECT id, author_id, author_handle, created_at FROM posts ORDER BY id DESC LIMIT " + rows + ") newest)";
        if (isEmpty(handle, "photos")) {
            handle.execute("""
                    INSERT INTO photos (id, owner_id, owner_handle, status, content_type, width, height, bytes, original_key,
                        thumbnail_key, thumbnail_width, thumbnail_height, queued, failure, created_at, updated_at)
                    SELECT p.id, p.author_id, p.author_handle,
                        CASE MOD(p.n, 20) WHEN 0 THEN 'pending' WHEN 10 THEN 'failed' ELSE 'ready' END,
                        'image/jpeg', 1600, 1200, 250000, CONCAT('originals/plans-', p.id),
                        CASE WHEN MOD(p.n, 10) = 0 THEN NULL ELSE CONCAT('thumbnails/plans-', p.id) END,
                        CASE WHEN MOD(p.n, 10) = 0 THEN NULL ELSE 320 END, CASE WHEN MOD(p.n, 10) = 0 THEN NULL ELSE 240 END,
                        MOD(p.n, 200) <> 0, CASE MOD(p.n, 20) WHEN 10 THEN 'not an image' END, p.created_at, p.created_at
                    FROM %s p""".formatted(newestPosts));
            handle.execute("INSERT INTO post_photos (post_id, photo_id, seq) SELECT p.id, p.id, 0 FROM %s p WHERE MOD(p.n, 2) = 1"
                    .formatted(newestPosts));
        }
        if (isEmpty(handle, "sessions")) {
            handle.execute("""
                    INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                    SELECT SHA2(CONCAT('plans-session-', s.seq), 256), u.id, %d, %s
                    FROM seq_1_to_%d s JOIN %s u ON u.slot = MOD(s.seq, %s)""".formatted(now - 86_400_000L, expiry, rows, users, userCount));
        }
        if (isEmpty(handle, "idempotency_keys")) {
            handle.execute("""
                    INSERT INTO idempotency_keys (endpoint, caller_id, idem_key, request_hash, state, status, location, etag,
                        content_type, body, created_at, expires_at)
                    SELECT 'posts', u.id, CONCAT('plans-', s.seq), SHA2(CONCAT('plans-body-', s.seq), 256), 'done', 201,
                        CONCAT('/api/posts/', s.seq), CONCAT('"', s.seq, '"'), 'application/json', '{"id":"1"}', %d, %s
                    FROM seq_1_to_%d s JOIN %s u ON u.slot = MOD(s.seq, %s)""".formatted(now - 86_400_000L, expiry, rows, users, userCount));
        }
        if (isEmpty(handle, "photo_uploads")) {
            handle.execute("""
                    INSERT INTO photo_uploads (id, owner_id, content_type, bytes, expires_at)
                    SELECT 9000000000000000000 + s.seq, u.id, 'image/jpeg', 250000, %s
                    FROM seq_1_to_%d s JOIN %s u ON u.slot = MOD(s.seq, %s)""".formatted(expiry, tenth, users, userCount));
        }
        if (isEmpty(handle, "pending_objects")) {
            handle.execute("""
                    INSERT INTO pending_objects (id, object_key, due_at)
                    SELECT s.seq, CONCAT('originals/plans-pending-', s.seq), %s FROM seq_1_to_%d s""".formatted(expiry, tenth));
        }
        if (isEmpty(handle, "jobs")) {
            handle.execute("""
                    INSERT INTO jobs (id, queue, payload, state, attempts, visible_at, lease, enqueued_at, last_error)
                    SELECT s.seq, '%s', CONCAT('{"photo":', s.seq, '}'),
                        CASE WHEN MOD(s.seq, 10) = 0 THEN 'dead' ELSE 'waiting' END,
                        CASE WHEN MOD(s.seq, 10) = 0 THEN 5 ELSE 0 END,
                        CASE MOD(s.seq, 10) WHEN 0 THEN %d - s.seq * 1000 WHEN 1 THEN %d + 60000 ELSE %d - s.seq * 1000 END,
                        0, %d - s.seq * 1000, CASE WHEN MOD(s.seq, 10) = 0 THEN 'gave up' END
                    FROM seq_1_to_%d s""".formatted(QueryPlans.QUEUE, now - 8L * 86_400_000L, now, now, now, tenth));
        }
        // Fresh statistics, as a server that has been running for a while has them: bulk inserts
        // recompute them in the background, and the plans must not depend on when that ran.
        for (String table : List.of("users", "posts", "sessions", "photos", "post_photos", "photo_uploads", "jobs",
                "idempotency_keys", "pending_objects")) {
            handle.createQuery("ANALYZE TABLE " + table).mapToMap().list();
        }
    }

    private static boolean isEmpty(Handle handle, String table) {
        return handle.createQuery("SELECT NOT EXISTS (SELECT 1 FROM " + table + ")").mapTo(Boolean.class).one();
    }
}
