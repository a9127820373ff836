package dev.ladder.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthTest {
    @Test
    void notReadyUntilStartedNorWhileARequirementFailsNorWhileDraining() {
        AtomicBoolean holdsId = new AtomicBoolean(false);
        Health health = new Health(() -> true);
        health.require("nodeId", holdsId::get);
        assertThat(health.isReady()).as("before start-up is over").isFalse();

        health.markStarted();
        assertThat(health.isReady()).as("no node id yet").isFalse();
        assertThat(health.unmet()).containsExactly("nodeId");

        holdsId.set(true);
        assertThat(health.unmet()).isEmpty();
        assertThat(health.isReady()).isTrue();

        health.startDraining();
        assertThat(health.isReady()).isFalse();
    }

    @Test
    void notReadyWhileTheDatabaseIsUnreachable() {
        Health health = new Health(() -> false);
        health.markStarted();
        assertThat(health.isReady()).isFalse();
    }
}
