package dev.ladder.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.JarProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees when the environment is wrong: the jar as a process, its exit code and its one line. */
class StartupIT {
    @Test
    void aLadderVariableThatNamesNoKeyStopsTheNodeWithExitCodeTwo(@TempDir Path dir) {
        JarProcess.Exit exit = JarProcess.runToExit(dir, Map.of(
                "LADDER_DATA_DIR", dir.resolve("data").toString(),
                "LADDER_HTTP_MAX_THREDS", "64"), Duration.ofSeconds(60));

        assertThat(exit.code()).as(exit.output()).isEqualTo(2);
        assertThat(exit.output()).contains("ladder: invalid configuration: LADDER_HTTP_MAX_THREDS: names no configuration key");
        assertThat(dir.resolve("data")).as("nothing was started").doesNotExist();
    }
}
