-- Times are epoch milliseconds (UTC) in BIGINT: the same on H2 and MySQL, no time-zone conversions.
-- Ids are application-made 64-bit time-ordered ids (see IdGenerator), never auto-increment.

CREATE TABLE users (
    id            BIGINT       NOT NULL PRIMARY KEY,
    handle        VARCHAR(30)  NOT NULL,
    email         VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created_at    BIGINT       NOT NULL,
    CONSTRAINT users_handle_unique UNIQUE (handle)
);

-- Only a SHA-256 of each token is kept: a leaked table logs nobody in.
CREATE TABLE sessions (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    user_id    BIGINT   NOT NULL,
    created_at BIGINT   NOT NULL,
    expires_at BIGINT   NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- author_handle is copied from users (handles never change) so reading a post needs no join,
-- and posts can later live on another shard than their author.
CREATE TABLE posts (
    id            BIGINT        NOT NULL PRIMARY KEY,
    author_id     BIGINT        NOT NULL,
    author_handle VARCHAR(30)   NOT NULL,
    body          VARCHAR(1024) NOT NULL,
    version       INT           NOT NULL,
    created_at    BIGINT        NOT NULL,
    updated_at    BIGINT        NOT NULL
);
CREATE INDEX posts_author ON posts (author_id, id);
