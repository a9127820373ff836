package dev.ladder.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every command that needs configuration shares, as a picocli mixin (Dropwizard's
 * ConfiguredCommand idea): the server and each subcommand load their {@link Config} the same way,
 * a profile or file with LADDER_ environment overrides on top, without knowing about each other.
 * Given before a subcommand's name ({@code ladder --profile single-box seed}) or after it
 * ({@code ladder seed --profile single-box}); after wins.
 */
public final class ConfigOptions {
    @Option(names = "--profile", description = "Stage profile (default: $LADDER_PROFILE, else embedded).")
    String profile;

    @Option(names = "--config", description = "A profile file to use instead of a named profile.")
    Path configFile;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The configuration, with the process's environment. */
    public Config load() {
        return load(System.getenv());
    }

    /** The configuration with the process's environment and then these overrides (LADDER_... names) on top. */
    public Config loadWith(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        return load(env);
    }

    /** The configuration with exactly this environment (tests, and commands given one). */
    public Config load(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        ConfigOptions chosen = profile != null || configFile != null ? this : parentOptions();
        return load(chosen.profile, chosen.configFile, env);
    }

    /** A named profile (null: $LADDER_PROFILE, else embedded) or a file, with the environment's overrides on top. */
    public static Config load(String profile, Path configFile, Map<String, String> env) {
        ConfigLoader loader = ConfigLoader.standard();
        if (configFile != null) {
            return loader.loadFile(configFile, env);
        }
        String name = profile != null ? profile : env.getOrDefault(ConfigLoader.PROFILE_VARIABLE, ConfigLoader.DEFAULT_PROFILE);
        return loader.load(name, env);
    }

    /** The options given to the parent command (ladder --profile P seed), or none. */
    private ConfigOptions parentOptions() {
        CommandSpec parent = command == null ? null : command.parent();
        if (parent != null) {
            for (CommandSpec mixin : parent.mixins().values()) {
                if (mixin.userObject() instanceof ConfigOptions options) {
                    return options;
                }
            }
        }
        return this;
    }
}
