package dev.ladder.sessions;

import dev.ladder.cache.Cache;
import dev.ladder.config.Config;
import dev.ladder.users.User;
import dev.ladder.users.UserService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * Log-in sessions: a random 256-bit token goes to the client once; only its SHA-256 is stored,
 * so a copy of the table lets nobody in. Logging out deletes the row: the token dies at once on
 * this node.
 *
 * <p>A session found in the database is remembered for sessions.cacheTtl (by token hash, never
 * past its expiry), so authenticated requests do not each pay a session query: the write
 * profile had it as one of the two round trips of every POST. Tokens that match nothing are not
 * remembered (random guesses cannot fill the cache). Logging out forgets the session here; other
 * nodes may honour the token until their copy ages out (so may this one, if a look-up that read
 * the row just before the delete stores it just after: rare, and bounded the same way). Anything
 * that deletes sessions must go through this class so the cache is told.
 */
public final class SessionService {
    private static final int TOKEN_BYTES = 32;
    private static final int MAX_TOKEN_LENGTH = 64;

    private final Jdbi jdbi;
    private final UserService users;
    private final Config.Sessions config;
    private final Clock clock;
    private final Cache<LiveSession> cache;
    private final SecureRandom random = new SecureRandom();

    public SessionService(Jdbi jdbi, UserService users, Config.Sessions config, Clock clock, Cache<LiveSession> cache) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.users = Objects.requireNonNull(users, "users");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = Objects.requireNonNull(cache, "cache");
        jdbi.registerRowMapper(ConstructorMapper.factory(SessionDao.SessionUser.class));
    }

    /** A live session's user, as remembered between look-ups. */
    public record LiveSession(long userId, String handle, long expiresAt) {
        /** What an entry weighs in the cache: the key (a 64-character hash), the handle, the objects around them. */
        public int weight() {
            return 64 + handle.length() + 96;
        }
    }

    public record NewSession(String token, Instant expiresAt, User user) {
    }

    /** A new session for these credentials, or empty when they are wrong (whichever part is). */
    public Optional<NewSession> logIn(String handle, String password) {
        Optional<User> user = users.authenticate(handle, password);
        if (user.isEmpty()) {
            return Optional.empty();
        }
        byte[] raw = new byte[TOKEN_BYTES];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long now = clock.millis();
        long expiresAt = now + config.ttl().toMillis();
        jdbi.useExtension(SessionDao.class, dao -> dao.insert(hash(token), user.get().id(), now, expiresAt));
        return Optional.of(new NewSession(token, Instant.ofEpochMilli(expiresAt), user.get()));
    }

    /** The user a token belongs to, if it is a live session. */
    public Optional<CurrentUser> resolve(String token, boolean viaCookie) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        String tokenHash = hash(token);
        long now = clock.millis();
        Optional<LiveSession> session = cache.get(tokenHash).filter(remembered -> remembered.expiresAt() > now);
        if (session.isEmpty()) {
            session = jdbi.withHandle(handle -> handle.createQuery(SessionDao.FIND_LIVE)
                    .bind("tokenHash", tokenHash)
                    .bind("now", now)
                    .map((rows, context) -> new LiveSession(rows.getLong(1), rows.getString(2), rows.getLong(3)))
                    .findOne());
            session.ifPresent(found -> cache.put(tokenHash, found));
        }
        return session.map(found -> new CurrentUser(found.userId(), found.handle(), tokenHash, viaCookie));
    }

    public void logOut(CurrentUser user) {
        jdbi.useExtension(SessionDao.class, dao -> dao.delete(user.tokenHash()));
        cache.invalidate(user.tokenHash());
    }

    /** Removes up to limit expired sessions; returns how many went. */
    public int purgeExpired(int limit) {
        long now = clock.millis();
        return jdbi.withExtension(SessionDao.class, dao -> dao.deleteExpired(now, limit));
    }

    public String cookieName() {
        return config.cookieName();
    }

    static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
