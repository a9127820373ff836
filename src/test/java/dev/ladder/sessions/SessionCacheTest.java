package dev.ladder.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.cache.InProcessCache;
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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sessions remembered between look-ups (sessions.cacheTtl) never outlive a logout or their expiry on this node. */
class SessionCacheTest {
    private static final String PASSWORD = "a long enough password";

    private Database database;
    private MovableClock clock;
    private SessionService sessions;

    @BeforeEach
    void start() throws Exception {
        Config config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", Files.createTempDirectory("ladder-sessions").toString()));
        database = Database.open(config.database(), config.data().path(), "sessions-test", new SimpleMeterRegistry());
        database.migrate();
        clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        UserService users = new UserService(database.jdbi(), new IdGenerator(1), new PasswordHasher(config.passwords()), clock);
        Config.Sessions sessionConfig = new Config.Sessions(Duration.ofMinutes(10), "ladder_session", Duration.ofMinutes(5),
                Config.Sessions.Store.database, Duration.ZERO);
        sessions = new SessionService(new DatabaseSessionStore(database.jdbi()), users, sessionConfig, clock, new InProcessCache<>("sessions", 1 << 20,
                sessionConfig.cacheTtl(), SessionService.LiveSession::weight, new SimpleMeterRegistry()));
        users.signUp("cached_user", "cached@example.com", PASSWORD);
    }

    @AfterEach
    void stop() {
        database.close();
    }

    @Test
    void aRememberedSessionAnswersWithoutASecondQuery() {
        String token = sessions.logIn("cached_user", PASSWORD).orElseThrow().token();
        assertThat(sessions.resolve(token, false)).map(CurrentUser::handle).contains("cached_user");

        // Behind the service's back, so only memory can still answer.
        database.jdbi().useHandle(handle -> handle.execute("DELETE FROM sessions"));

        assertThat(sessions.resolve(token, false)).map(CurrentUser::handle).contains("cached_user");
    }

    @Test
    void loggingOutForgetsTheRememberedSessionAtOnce() {
        String token = sessions.logIn("cached_user", PASSWORD).orElseThrow().token();
        CurrentUser user = sessions.resolve(token, false).orElseThrow();

        sessions.logOut(user);

        assertThat(sessions.resolve(token, false)).isEmpty();
    }

    @Test
    void aRememberedSessionIsNotHonouredPastItsExpiry() {
        String token = sessions.logIn("cached_user", PASSWORD).orElseThrow().token();
        assertThat(sessions.resolve(token, false)).isPresent();

        clock.advance(Duration.ofMinutes(10).plusMillis(1));

        assertThat(sessions.resolve(token, false)).isEmpty();
    }
}
