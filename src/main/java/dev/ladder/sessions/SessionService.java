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
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Log-in sessions: a random 256-bit token goes to the client once; only its SHA-256 is stored
 * (in the {@link SessionStore}), so a copy of the store lets nobody in.
 *
 * <p>Sliding expiry: each use moves the expiry to sessions.ttl from now, so a session in use does
 * not run out and an idle one ends at most ttl after its last use. To keep writes off most
 * requests, the expiry is moved only once a tenth of the ttl has passed since it was last set
 * (with 30 days, at most one write per session every 3 days); an idle session therefore ends
 * between 0.9 and 1 ttl after its last use.
 *
 * <p>Logging out deletes the session from the store. With the database store a node also
 * remembers sessions it looked up for sessions.cacheTtl (by token hash, never past their expiry),
 * so authenticated requests do not each pay a session query; tokens that match nothing are not
 * remembered (random guesses cannot fill the cache). A logout forgets the session here at once;
 * other nodes may honour the token until their copy ages out (so may this one, if a look-up that
 * read the row just before the delete stores it just after: rare, and bounded the same way). With
 * the Redis store there is no such copy (Main passes no cache): every node asks Redis, so a logout
 * holds everywhere at once. Anything that deletes sessions must go through this class so the
 * cache is told.
 */
public final class SessionService {
    private static final int TOKEN_BYTES = 32;
    private static final int MAX_TOKEN_LENGTH = 64;
    /** The expiry is moved once this share of the ttl has passed since it was last set (1/REFRESH_DIVISOR). */
    private static final int REFRESH_DIVISOR = 10;

    private final UserService users;
    private final SessionStore store;
    private final Config.Sessions config;
    private final Clock clock;
    private final Cache<LiveSession> cache;
    private final SecureRandom random = new SecureRandom();

    public SessionService(SessionStore store, UserService users, Config.Sessions config, Clock clock, Cache<LiveSession> cache) {
        this.store = Objects.requireNonNull(store, "store");
        this.users = Objects.requireNonNull(users, "users");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = Objects.requireNonNull(cache, "cache");
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
        store.create(hash(token), user.get().id(), user.get().handle(), now, expiresAt);
        return Optional.of(new NewSession(token, Instant.ofEpochMilli(expiresAt), user.get()));
    }

    /** A resolved session: its user, its expiry, and whether this look-up moved the expiry (so a cookie can follow). */
    public record Resolved(CurrentUser user, Instant expiresAt, boolean extended) {
    }

    /** The user a token belongs to, if it is a live session; using it slides its expiry. */
    public Optional<CurrentUser> resolve(String token, boolean viaCookie) {
        return resolveSession(token, viaCookie).map(Resolved::user);
    }

    /** As {@link #resolve}, saying also when the session now expires and whether this use extended it. */
    public Optional<Resolved> resolveSession(String token, boolean viaCookie) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        String tokenHash = hash(token);
        long now = clock.millis();
        Optional<LiveSession> session = cache.get(tokenHash).filter(remembered -> remembered.expiresAt() > now);
        if (session.isEmpty()) {
            session = store.find(tokenHash, now).map(found -> new LiveSession(found.userId(), found.handle(), found.expiresAt()));
            session.ifPresent(found -> cache.put(tokenHash, found));
        }
        boolean extended = false;
        if (session.isPresent() && isDueForExtension(session.get(), now)) {
            LiveSession used = session.get();
            LiveSession longer = new LiveSession(used.userId(), used.handle(), now + config.ttl().toMillis());
            if (store.extend(tokenHash, used.userId(), longer.expiresAt(), now)) {
                cache.put(tokenHash, longer);
                session = Optional.of(longer);
                extended = true;
            } else {
                // Logged out (or expired) since it was read: the token is dead.
                cache.invalidate(tokenHash);
                session = Optional.empty();
            }
        }
        boolean moved = extended;
        return session.map(found -> new Resolved(new CurrentUser(found.userId(), found.handle(), tokenHash, viaCookie),
                Instant.ofEpochMilli(found.expiresAt()), moved));
    }

    private boolean isDueForExtension(LiveSession session, long now) {
        long ttl = config.ttl().toMillis();
        long sinceLastSet = now + ttl - session.expiresAt();
        return sinceLastSet >= ttl / REFRESH_DIVISOR;
    }

    /** Ends the caller's session. */
    public void logOut(CurrentUser user) {
        store.delete(user.tokenHash(), user.id());
        cache.invalidate(user.tokenHash());
    }

    /** Ends every session of the caller, this one included ("log out everywhere"); returns how many ended. */
    public int logOutEverywhere(CurrentUser user) {
        List<String> ended = store.deleteAllOf(user.id());
        ended.forEach(cache::invalidate);
        cache.invalidate(user.tokenHash());
        return ended.size();
    }

    /** Removes up to limit expired sessions; returns how many went (0 with a store that expires them itself). */
    public int purgeExpired(int limit) {
        return store.purgeExpired(clock.millis(), limit);
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
