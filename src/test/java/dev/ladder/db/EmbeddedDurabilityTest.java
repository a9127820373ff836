package dev.ladder.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded stage's promise: a write it acknowledged survives the process being killed right
 * after (the operating system and disk are trusted; see the README's durability table).
 */
class EmbeddedDurabilityTest {
    private static final int WRITES = 20;

    @TempDir
    Path data;

    @Test
    void acknowledgedWritesSurviveTheProcessDyingAtOnce() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classpath, WriteThenHalt.class.getName(), data.toString(), Integer.toString(WRITES)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as(output).contains("acknowledged " + WRITES);

        Config config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", data.toString()));
        try (Database database = Database.open(config.database(), config.data().path(), "after", new SimpleMeterRegistry())) {
            int users = database.jdbi().withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM users").mapTo(Integer.class).one());
            assertThat(users).as("acknowledged sign-ups found after the crash").isEqualTo(WRITES);
        }
    }
}
