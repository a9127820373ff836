package dev.ladder.sessions;

import java.util.List;
import java.util.Optional;

/**
 * Where log-in sessions live, keyed by the SHA-256 of the token (the raw token is never stored).
 * Times are epoch milliseconds from the caller's clock, so expiry follows one clock whatever the
 * store. Implementations: {@link DatabaseSessionStore} (the sessions table) and
 * {@link RedisSessionStore} (the shared Redis). SessionService holds the rules (token, sliding
 * expiry, the per-node cache); a store only keeps what it is told.
 */
public interface SessionStore extends AutoCloseable {

    /** A live session: whose it is and when it expires unless used again. */
    record Session(long userId, String handle, long expiresAt) {
    }

    /** Stores a new session; createdAt and expiresAt are epoch milliseconds. */
    void create(String tokenHash, long userId, String handle, long createdAt, long expiresAt);

    /** The session, if it exists and expires after now. */
    Optional<Session> find(String tokenHash, long now);

    /**
     * Moves a live session's expiry to expiresAt (sliding expiry); false, changing nothing, when
     * the session is gone or already expired at now (a logout is never undone by a late extension).
     */
    boolean extend(String tokenHash, long userId, long expiresAt, long now);

    /** Ends one session (logout); nothing happens if it is already gone. */
    void delete(String tokenHash, long userId);

    /** Ends every session of the user ("log out everywhere"); returns the token hashes that were live. */
    List<String> deleteAllOf(long userId);

    /** Removes up to limit sessions expired at now; returns how many went (0 where the store expires them itself). */
    int purgeExpired(long now, int limit);

    @Override
    default void close() {
    }
}
