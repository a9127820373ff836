package dev.ladder.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** database.replica.*: off until a URL is given, and only beside a MariaDB/MySQL primary. */
class ReplicaConfigTest {
    private final ConfigLoader shipped = new ConfigLoader(Path.of("profiles"));

    @Test
    void noStageBeforeUsersPlusThreeHasReplicas() {
        for (String profile : new String[] {"embedded", "single-box", "users-plus", "users-plus-2"}) {
            assertThat(shipped.load(profile, Map.of("LADDER_STORAGE_S3_BUCKET", "media")).database().replica().configured()).as(profile).isFalse();
        }
    }

    @Test
    void usersPlusThreeReadsFromTheReplicaEndpointWhichTheEnvironmentNames() {
        Config.Database.Replica replica = shipped.load("users-plus-3", Map.of()).database().replica();
        assertThat(replica.configured()).isTrue();
        assertThat(replica.readYourWritesWait()).isEqualTo(Duration.ofMillis(100));
        Config.Database.Replica overridden = shipped.load("users-plus-3", Map.of(
                "LADDER_DATABASE_REPLICA_URL", "jdbc:mysql://10.0.0.9:3307/ladder",
                "LADDER_DATABASE_REPLICA_READ_YOUR_WRITES_WAIT", "0s")).database().replica();
        assertThat(overridden.url()).isEqualTo("jdbc:mysql://10.0.0.9:3307/ladder");
        assertThat(overridden.readYourWritesWait()).isZero();
    }

    @Test
    void badReplicaSettingsStopStartUpNamingTheKey() {
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_DATABASE_REPLICA_URL", "jdbc:mysql://replica/ladder")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("database.replica.url").hasMessageContaining("H2");
        assertThatThrownBy(() -> shipped.load("single-box", Map.of("LADDER_DATABASE_REPLICA_URL", "jdbc:postgresql://replica/ladder")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("database.replica.url");
        assertThatThrownBy(() -> shipped.load("users-plus-3", Map.of("LADDER_DATABASE_REPLICA_READ_YOUR_WRITES_WAIT", "1m")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("database.replica.readYourWritesWait");
        assertThatThrownBy(() -> shipped.load("users-plus-3", Map.of("LADDER_DATABASE_REPLICA_MIN_IDLE", "9")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("database.replica.minIdle");
    }
}
