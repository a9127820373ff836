package dev.ladder.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The session contract on the sessions table (embedded H2; MariaDB runs the same SQL in the API suites). */
class DatabaseSessionStoreTest extends SessionStoreContract {

    @Override
    SessionStore openStore() {
        return new DatabaseSessionStore(database.jdbi());
    }

    @Override
    String everythingStored() {
        return database.jdbi().withHandle(handle -> handle.createQuery("SELECT * FROM sessions").mapToMap().list()
                .stream().map(Object::toString).collect(Collectors.joining("\n")));
    }

    @Test
    void housekeepingPurgesExpiredRowsOnly() {
        sessions.logIn("alice", "a long enough password").orElseThrow();
        clock.advance(TTL);
        String live = sessions.logIn("bob", "a long enough password").orElseThrow().token();

        assertThat(sessions.purgeExpired(100)).isEqualTo(1);

        assertThat(sessions.resolve(live, false)).isPresent();
        assertThat(sessions.purgeExpired(100)).isZero();
    }
}
