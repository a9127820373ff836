-- Photos, their direct uploads, the photos a post shows, and the database job queue.
-- Same conventions as V1: epoch-millisecond BIGINT times, application-made ids, no foreign keys
-- (rows may later live on different shards), plain SQL that H2 (MySQL mode) and MariaDB share.

-- status: pending (waiting for its thumbnail), ready, failed. queued is the outbox flag: the
-- thumbnail job reached the queue; a pending photo left unqueued (its node stopped in between)
-- is queued again by housekeeping.
CREATE TABLE photos (
    id               BIGINT       NOT NULL PRIMARY KEY,
    owner_id         BIGINT       NOT NULL,
    owner_handle     VARCHAR(30)  NOT NULL,
    status           VARCHAR(8)   NOT NULL,
    content_type     VARCHAR(20)  NOT NULL,
    width            INT          NOT NULL,
    height           INT          NOT NULL,
    bytes            INT          NOT NULL,
    original_key     VARCHAR(200) NOT NULL,
    thumbnail_key    VARCHAR(200) NULL,
    thumbnail_width  INT          NULL,
    thumbnail_height INT          NULL,
    queued           BOOLEAN      NOT NULL,
    failure          VARCHAR(500) NULL,
    created_at       BIGINT       NOT NULL,
    updated_at       BIGINT       NOT NULL
);
CREATE INDEX photos_owner ON photos (owner_id, id);
CREATE INDEX photos_status ON photos (status, created_at);

-- A presigned direct upload handed out and not yet confirmed; its id becomes the photo's id.
CREATE TABLE photo_uploads (
    id           BIGINT      NOT NULL PRIMARY KEY,
    owner_id     BIGINT      NOT NULL,
    content_type VARCHAR(20) NOT NULL,
    bytes        INT         NOT NULL,
    expires_at   BIGINT      NOT NULL
);
CREATE INDEX photo_uploads_owner ON photo_uploads (owner_id, expires_at);
CREATE INDEX photo_uploads_expiry ON photo_uploads (expires_at);

-- The photos a post shows, in order (seq from 0).
CREATE TABLE post_photos (
    post_id  BIGINT NOT NULL,
    photo_id BIGINT NOT NULL,
    seq      INT    NOT NULL,
    PRIMARY KEY (post_id, photo_id)
);

-- The database job queue (queue.kind: database). state: waiting (deliverable once visible_at
-- has passed; held by a worker until then after a claim) or dead (dead-lettered). lease changes
-- at every claim, so only the current holder's receipt completes or fails a job.
CREATE TABLE jobs (
    id          BIGINT        NOT NULL PRIMARY KEY,
    queue       VARCHAR(40)   NOT NULL,
    payload     VARCHAR(1024) NOT NULL,
    state       VARCHAR(8)    NOT NULL,
    attempts    INT           NOT NULL,
    visible_at  BIGINT        NOT NULL,
    lease       BIGINT        NOT NULL,
    enqueued_at BIGINT        NOT NULL,
    last_error  VARCHAR(500)  NULL
);
CREATE INDEX jobs_claim ON jobs (queue, state, visible_at);
