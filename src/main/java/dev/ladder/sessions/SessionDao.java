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
