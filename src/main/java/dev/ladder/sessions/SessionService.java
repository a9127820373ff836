package dev.ladder.sessions;

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
 * so a copy of the table lets nobody in. Logging out deletes the row: the token dies at once.
 */
public final class SessionService {
    private static final int TOKEN_BYTES = 32;
    private static final int MAX_TOKEN_LENGTH = 64;

    private final Jdbi jdbi;
    private final UserService users;
    private final Config.Sessions config;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public SessionService(Jdbi jdbi, UserService users, Config.Sessions config, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.users = Objects.requireNonNull(users, "users");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        jdbi.registerRowMapper(ConstructorMapper.factory(SessionDao.SessionUser.class));
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
        return jdbi.withExtension(SessionDao.class, dao -> dao.findUser(tokenHash, now))
                .map(found -> new CurrentUser(found.id(), found.handle(), tokenHash, viaCookie));
    }

    public void logOut(CurrentUser user) {
        jdbi.useExtension(SessionDao.class, dao -> dao.delete(user.tokenHash()));
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
