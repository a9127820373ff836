package dev.ladder.sessions;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Sessions in the database's sessions table (every stage before users-plus-3). Expired rows stay
 * until housekeeping purges them; look-ups ignore them meanwhile.
 */
public final class DatabaseSessionStore implements SessionStore {
    private final Jdbi jdbi;

    public DatabaseSessionStore(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    @Override
    public void create(String tokenHash, long userId, String handle, long createdAt, long expiresAt) {
        jdbi.useExtension(SessionDao.class, dao -> dao.insert(tokenHash, userId, createdAt, expiresAt));
    }

    @Override
    public Optional<Session> find(String tokenHash, long now) {
        // A fluent query: attaching the SqlObject per call cost more than the query (see PostDao).
        return jdbi.withHandle(handle -> handle.createQuery(SessionDao.FIND_LIVE)
                .bind("tokenHash", tokenHash)
                .bind("now", now)
                .map((rows, context) -> new Session(rows.getLong(1), rows.getString(2), rows.getLong(3)))
                .findOne());
    }

    @Override
    public boolean extend(String tokenHash, long userId, long expiresAt, long now) {
        return jdbi.withExtension(SessionDao.class, dao -> dao.extend(tokenHash, expiresAt, now)) > 0;
    }

    @Override
    public void delete(String tokenHash, long userId) {
        jdbi.useExtension(SessionDao.class, dao -> dao.delete(tokenHash));
    }

    @Override
    public List<String> deleteAllOf(long userId) {
        // The hashes are read first so SessionService can forget them from its per-node cache; a
        // login between the two statements is deleted too (it started before the request finished).
        return jdbi.inTransaction(handle -> {
            SessionDao dao = handle.attach(SessionDao.class);
            List<String> hashes = dao.tokenHashesOf(userId);
            dao.deleteAllOf(userId);
            return hashes;
        });
    }

    @Override
    public int purgeExpired(long now, int limit) {
        return jdbi.withExtension(SessionDao.class, dao -> dao.deleteExpired(now, limit));
    }
}
