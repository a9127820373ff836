package dev.ladder.sessions;

import java.util.List;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

public interface SessionDao {
    @SqlUpdate("""
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
            VALUES (:tokenHash, :userId, :createdAt, :expiresAt)
            """)
    void insert(String tokenHash, long userId, long createdAt, long expiresAt);

    /**
     * The session's user and its expiry, if it exists and has not expired: DatabaseSessionStore
     * runs it as a fluent query (attaching this interface per call cost more than the query; see PostDao).
     */
    String FIND_LIVE = """
            SELECT u.id, u.handle, s.expires_at
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = :tokenHash AND s.expires_at > :now
            """;

    /** Sliding expiry: a live session's new expiry (a session already expired stays so). */
    @SqlUpdate("UPDATE sessions SET expires_at = :expiresAt WHERE token_hash = :tokenHash AND expires_at > :now")
    int extend(String tokenHash, long expiresAt, long now);

    @SqlUpdate("DELETE FROM sessions WHERE token_hash = :tokenHash")
    int delete(String tokenHash);

    /** Every session of one user (index sessions_user), live or not. */
    @SqlQuery("SELECT token_hash FROM sessions WHERE user_id = :userId")
    List<String> tokenHashesOf(long userId);

    @SqlUpdate("DELETE FROM sessions WHERE user_id = :userId")
    int deleteAllOf(long userId);

    @SqlUpdate("DELETE FROM sessions WHERE expires_at <= :now LIMIT :limit")
    int deleteExpired(long now, int limit);
}
