package dev.ladder.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.cache.Cache;
import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.testing.MovableClock;
import dev.ladder.testing.TestApp;
import dev.ladder.users.PasswordHasher;
import dev.ladder.users.UserService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionStore} must do, driven through SessionService (which holds the rules)
 * with a clock the test moves: run against the database store and the Redis store with real
 * servers. Users live in an embedded database either way.
 */
abstract class SessionStoreContract {
    static final Duration TTL = Duration.ofMinutes(10);
    private static final String PASSWORD = "a long enough password";

    protected Database database;
    protected MovableClock clock;
    protected SessionStore store;
    protected SessionService sessions;

    /** A fresh, empty store of the kind under test (users come from {@link #database}). */
    abstract SessionStore openStore();

    /** Everything the store holds, as text, to show what is (and is not) stored. */
    abstract String everythingStored();

    @BeforeEach
    void start() throws Exception {
        Config config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", Files.createTempDirectory("ladder-session-store").toString()));
        database = Database.open(config.database(), config.data().path(), "session-store-test", new SimpleMeterRegistry());
        database.migrate();
        clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        UserService users = new UserService(database.jdbi(), new IdGenerator(1), new PasswordHasher(config.passwords()), clock);
        users.signUp("alice", "alice@example.com", PASSWORD);
        users.signUp("bob", "bob@example.com", PASSWORD);
        store = openStore();
        // No per-node cache: what is tested is the store.
        sessions = new SessionService(store, users, new Config.Sessions(TTL, "ladder_session", Duration.ZERO,
                Config.Sessions.Store.database, Duration.ZERO), clock, Cache.none());
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
        if (database != null) {
            database.close();
        }
    }

    private String logIn(String handle) {
        return sessions.logIn(handle, PASSWORD).orElseThrow().token();
    }

    private Optional<String> whoIs(String token) {
        return sessions.resolve(token, false).map(CurrentUser::handle);
    }

    private long storedExpiry(String token) {
        return store.find(SessionService.hash(token), clock.millis()).orElseThrow().expiresAt();
    }

    @Test
    void aLoginMakesATokenThatResolvesToItsUser() {
        String token = logIn("alice");

        assertThat(whoIs(token)).contains("alice");
        assertThat(sessions.resolve(token, true).orElseThrow().viaCookie()).isTrue();
    }

    @Test
    void wrongPasswordsMakeNoSession() {
        assertThat(sessions.logIn("alice", "not the password")).isEmpty();
        assertThat(sessions.logIn("nobody", PASSWORD)).isEmpty();
    }

    @Test
    void onlyTheTokensHashIsStored() {
        String token = logIn("alice");

        assertThat(everythingStored()).contains(SessionService.hash(token)).doesNotContain(token);
    }

    @Test
    void unknownEmptyAndOverlongTokensResolveToNobody() {
        logIn("alice");

        assertThat(whoIs("no-such-token")).isEmpty();
        assertThat(whoIs("")).isEmpty();
        assertThat(whoIs(null)).isEmpty();
        assertThat(whoIs("x".repeat(65))).isEmpty();
    }

    @Test
    void anUnusedSessionExpiresAfterTheTtl() {
        String token = logIn("alice");

        clock.advance(TTL.minusMillis(1));
        assertThat(store.find(SessionService.hash(token), clock.millis())).isPresent();
        clock.advance(Duration.ofMillis(1));

        assertThat(whoIs(token)).isEmpty();
    }

    @Test
    void eachUseSlidesTheExpiryToTheTtlFromThatUse() {
        String token = logIn("alice");

        clock.advance(Duration.ofMinutes(6));
        assertThat(whoIs(token)).contains("alice");
        assertThat(storedExpiry(token)).isEqualTo(clock.millis() + TTL.toMillis());
        clock.advance(Duration.ofMinutes(6)); // past the first expiry
        assertThat(whoIs(token)).contains("alice");
        clock.advance(TTL); // idle for a whole ttl since the last use
        assertThat(whoIs(token)).isEmpty();
    }

    @Test
    void usesSoonAfterTheLastExtensionWriteNothing() {
        String token = logIn("alice");
        long expiry = storedExpiry(token);

        clock.advance(TTL.dividedBy(10).minusMillis(1));
        assertThat(whoIs(token)).contains("alice");

        assertThat(storedExpiry(token)).isEqualTo(expiry);
    }

    @Test
    void loggingOutEndsTheSessionAtOnceAndOnlyIt() {
        String token = logIn("alice");
        String other = logIn("alice");

        sessions.logOut(sessions.resolve(token, false).orElseThrow());

        assertThat(whoIs(token)).isEmpty();
        assertThat(whoIs(other)).contains("alice");
    }

    @Test
    void anExtensionNeverRevivesALoggedOutSession() {
        String token = logIn("alice");
        CurrentUser alice = sessions.resolve(token, false).orElseThrow();
        sessions.logOut(alice);

        boolean extended = store.extend(alice.tokenHash(), alice.id(), clock.millis() + TTL.toMillis(), clock.millis());

        assertThat(extended).isFalse();
        assertThat(whoIs(token)).isEmpty();
    }

    @Test
    void anExpiredSessionCannotBeExtended() {
        String token = logIn("alice");
        CurrentUser alice = sessions.resolve(token, false).orElseThrow();
        clock.advance(TTL);

        assertThat(store.extend(alice.tokenHash(), alice.id(), clock.millis() + TTL.toMillis(), clock.millis())).isFalse();
        assertThat(whoIs(token)).isEmpty();
    }

    @Test
    void loggingOutEverywhereEndsEverySessionOfTheUserAndNobodyElses() {
        List<String> alices = List.of(logIn("alice"), logIn("alice"), logIn("alice"));
        String bobs = logIn("bob");

        int ended = sessions.logOutEverywhere(sessions.resolve(alices.get(0), false).orElseThrow());

        assertThat(ended).isEqualTo(3);
        alices.forEach(token -> assertThat(whoIs(token)).as("one of alice's tokens").isEmpty());
        assertThat(whoIs(bobs)).contains("bob");
        assertThat(whoIs(logIn("alice"))).as("a login after logging out everywhere").contains("alice");
    }

    @Test
    void loggingOutEverywhereAlsoEndsSessionsThatWereExtended() {
        String token = logIn("alice");
        clock.advance(Duration.ofMinutes(5));
        String second = logIn("alice");
        assertThat(whoIs(token)).contains("alice"); // extended

        sessions.logOutEverywhere(sessions.resolve(second, false).orElseThrow());

        assertThat(whoIs(token)).isEmpty();
        assertThat(whoIs(second)).isEmpty();
    }
}
