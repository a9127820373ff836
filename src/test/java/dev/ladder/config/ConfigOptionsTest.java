package dev.ladder.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Every command gets its configuration the same way: the shared --profile/--config options, before or after its name. */
class ConfigOptionsTest {
    @Command(name = "parent", subcommands = Child.class)
    static final class Parent implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            return 0;
        }
    }

    @Command(name = "child")
    static final class Child implements Callable<Integer> {
        static final AtomicReference<Config> LOADED = new AtomicReference<>();

        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            LOADED.set(options.load(Map.of("LADDER_HTTP_PORT", "7001")));
            return 0;
        }
    }

    private static Config run(String... args) {
        Child.LOADED.set(null);
        assertThat(new CommandLine(new Parent()).execute(args)).isZero();
        return Child.LOADED.get();
    }

    @Test
    void aSubcommandTakesTheProfileGivenBeforeOrAfterItsName(@TempDir Path folder) throws Exception {
        Path file = Files.writeString(folder.resolve("mine.yml"), "extends: embedded\nhttp:\n  maxThreads: 42\n");

        assertThat(run("--config", file.toString(), "child").http().maxThreads()).isEqualTo(42);
        assertThat(run("child", "--config", file.toString()).http().maxThreads()).isEqualTo(42);
        assertThat(run("--profile", "embedded", "child", "--config", file.toString()).http().maxThreads()).as("after wins").isEqualTo(42);
        assertThat(run("child", "--profile", "single-box").database().url()).startsWith("jdbc:mysql:");
        assertThat(run("child").profile()).isEqualTo("embedded");
        assertThat(run("child").http().port()).as("the environment's overrides apply").isEqualTo(7001);
    }

    @Test
    void everySubcommandOfTheServerTakesTheSharedOptions() {
        CommandLine ladder = Main.commandLine();

        assertThat(ladder.getSubcommands()).containsKeys("seed", "publish-static", "bench-thumbnails");
        for (CommandLine sub : ladder.getSubcommands().values()) {
            assertThat(sub.getCommandSpec().mixins().values()).as(sub.getCommandName())
                    .anySatisfy(mixin -> assertThat(mixin.userObject()).isInstanceOf(ConfigOptions.class));
        }
    }
}
