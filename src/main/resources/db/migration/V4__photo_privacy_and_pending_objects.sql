-- Security (issue 11). Same conventions as V1 and V2: plain SQL that H2 (MySQL mode) and MariaDB share.

-- Which posts show a photo: a photo is public once a post shows it, and leaves its posts when deleted.
CREATE INDEX post_photos_photo ON post_photos (photo_id);

-- Objects that may have no row to own them: written before their row (an upload, a thumbnail),
-- or left behind when their row went (a deleted photo, a confirmed upload's staging copy). Each is
-- recorded here before the object is written or the row deleted; the step that completes the
-- work removes the record. Housekeeping deletes the object of a record whose due_at has passed,
-- unless a photo row still refers to the key, then the record.
CREATE TABLE pending_objects (
    id         BIGINT       NOT NULL PRIMARY KEY,
    object_key VARCHAR(200) NOT NULL,
    due_at     BIGINT       NOT NULL
);
CREATE INDEX pending_objects_due ON pending_objects (due_at);
