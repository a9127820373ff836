package dev.ladder.sessions;

import java.util.Optional;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

public interface SessionDao {
    @SqlUpdate("""
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
            VALUES (:tokenHash, :userId, :createdAt, :expiresAt)
            """)
    void insert(String tokenHash, long userId, long createdAt, long expiresAt);

    /**
     * The session's user and its expiry, if it exists and has not expired: SessionService runs it
     * as a fluent query (attaching this interface per call cost more than the query; see PostDao).
     */
    String FIND_LIVE = """
            SELECT u.id, u.handle, s.expires_at
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = :tokenHash AND s.expires_at > :now
            """;

    /** The session's user, if the session exists and has not expired. */
    @SqlQuery("""
            SELECT u.id AS id, u.handle AS handle
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = :tokenHash AND s.expires_at > :now
            """)
    Optional<SessionUser> findUser(String tokenHash, long now);

    @SqlUpdate("DELETE FROM sessions WHERE token_hash = :tokenHash")
    int delete(String tokenHash);

    @SqlUpdate("DELETE FROM sessions WHERE expires_at <= :now LIMIT :limit")
    int deleteExpired(long now, int limit);

    record SessionUser(long id, String handle) {
    }
}
