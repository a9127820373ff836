package dev.ladder.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.testing.TestApp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionsConfigTest {

    @Test
    void sessionsLiveInTheDatabaseUnlessToldOtherwise() {
        Config config = TestApp.config("embedded", Map.of());

        assertThat(config.sessions().store()).isEqualTo(Config.Sessions.Store.database);
        assertThat(config.sessions().waitForReplica()).isZero();
    }

    @Test
    void theRedisStoreNeedsARedis() {
        assertThatThrownBy(() -> TestApp.config("embedded", Map.of("LADDER_SESSIONS_STORE", "redis")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sessions.store").hasMessageContaining("redis.mode");
    }

    @Test
    void usersPlus3KeepsSessionsInRedis() {
        Config config = TestApp.config("users-plus-3", Map.of());

        assertThat(config.sessions().store()).isEqualTo(Config.Sessions.Store.redis);
        assertThat(config.sessions().waitForReplica()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void waitForReplicaIsBounded() {
        assertThatThrownBy(() -> TestApp.config("embedded", Map.of("LADDER_SESSIONS_WAIT_FOR_REPLICA", "1m")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sessions.waitForReplica");
    }

    @Test
    void aLoginWaitsForItsReplicaNoLongerThanTheRedisClientWaitsForAnAnswer() {
        assertThatThrownBy(() -> TestApp.config("users-plus-3", Map.of("LADDER_SESSIONS_WAIT_FOR_REPLICA", "250ms")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sessions.waitForReplica").hasMessageContaining("redis.socketTimeout");
        assertThat(TestApp.config("users-plus-3", Map.of("LADDER_SESSIONS_WAIT_FOR_REPLICA", "100ms")).sessions().waitForReplica())
                .isEqualTo(Duration.ofMillis(100));
    }
}
