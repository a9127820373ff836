-- Idempotency keys: the first result of a POST sent with an Idempotency-Key header, kept so a
-- retry with the same key gets the same answer and writes nothing new.
-- Same conventions as V1 and V2: epoch-millisecond BIGINT times, no foreign keys, plain SQL
-- that H2 (MySQL mode) and MariaDB share.
--
-- A key belongs to an endpoint (posts, users, photos) and a caller (the user's id; 0 for
-- sign-up, where there is no user yet). state: pending while the first request runs (a
-- duplicate meanwhile gets 409), done once its response is stored. request_hash is the hex
-- SHA-256 of the request body: the same key with another body is refused (422).
-- Rows live until expires_at (idempotency.ttl after the claim); housekeeping deletes them.
CREATE TABLE idempotency_keys (
    endpoint      VARCHAR(16)  NOT NULL,
    caller_id     BIGINT       NOT NULL,
    idem_key      VARCHAR(64)  NOT NULL,
    request_hash  CHAR(64)     NOT NULL,
    state         VARCHAR(8)   NOT NULL,
    status        INT          NULL,
    location      VARCHAR(200) NULL,
    etag          VARCHAR(100) NULL,
    content_type  VARCHAR(100) NULL,
    body          MEDIUMTEXT   NULL,
    created_at    BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL,
    PRIMARY KEY (endpoint, caller_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
