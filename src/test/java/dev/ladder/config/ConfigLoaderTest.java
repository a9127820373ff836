package dev.ladder.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private final ConfigLoader shipped = new ConfigLoader(Path.of("profiles"));

    @Test
    void theEmbeddedProfileIsCompleteOnItsOwn() {
        Config config = shipped.load("embedded", Map.of());
        assertThat(config.profile()).isEqualTo("embedded");
        assertThat(config.http().port()).isEqualTo(8080);
        assertThat(config.http().adminPort()).isEqualTo(8081);
        assertThat(config.http().threads()).isEqualTo(Config.Threads.virtual);
        assertThat(config.database().url()).startsWith("jdbc:h2:retry:{dataDir}");
        assertThat(config.sessions().ttl()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void singleBoxExtendsEmbeddedAndChangesTheDatabase() {
        Config config = shipped.load("single-box", Map.of());
        assertThat(config.profile()).isEqualTo("single-box");
        assertThat(config.database().url()).startsWith("jdbc:mysql://");
        assertThat(config.http().port()).isEqualTo(8080);
    }

    @Test
    void environmentVariablesOverrideAnyKey() {
        Config config = shipped.load("embedded", Map.of(
                "LADDER_HTTP_PORT", "9090",
                "LADDER_HTTP_ADMIN_PORT", "9091",
                "LADDER_HTTP_THREADS", "platform",
                "LADDER_SESSIONS_TTL", "90m",
                "LADDER_HTTP_ALLOWED_ORIGINS", "https://a.example, https://b.example:8443",
                "LADDER_PROFILE", "chosen by Main, allowed here",
                "OTHER_TOOL_SETTING", "not ours: ignored"));
        assertThat(config.http().port()).isEqualTo(9090);
        assertThat(config.http().adminPort()).isEqualTo(9091);
        assertThat(config.http().threads()).isEqualTo(Config.Threads.platform);
        assertThat(config.sessions().ttl()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.http().allowedOrigins()).containsExactly("https://a.example", "https://b.example:8443");
    }

    @Test
    void aLadderVariableThatNamesNoKeyStopsStartUpNamingIt() {
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_HTTP_PROT", "9090")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LADDER_HTTP_PROT: names no configuration key;");
        // A section is not a key, and a file-given profile is checked the same way.
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_STORAGE_S3", "x", "LADDER_IDS", "y")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LADDER_IDS: names no configuration key (nor do LADDER_STORAGE_S3)");
        assertThatThrownBy(() -> shipped.loadFile(Path.of("profiles/embedded.yml"), Map.of("LADDER_SEED", "1")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("LADDER_SEED: ");
    }

    @Test
    void envNamesAreTheKeyInUpperSnakeCase() {
        assertThat(ConfigLoader.envName("http.adminPort")).isEqualTo("LADDER_HTTP_ADMIN_PORT");
        assertThat(ConfigLoader.envName("passwords.argon2MemoryKib")).isEqualTo("LADDER_PASSWORDS_ARGON2_MEMORY_KIB");
    }

    @Test
    void aBadValueStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_HTTP_PORT", "70000")))
                .isInstanceOf(ConfigException.class).hasMessage("http.port: must be between 0 and 65535 (got 70000)");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_HTTP_PORT", "eighty")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("http.port: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_HTTP_THREADS", "green")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("http.threads: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_SESSIONS_TTL", "forever")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("sessions.ttl: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_DATABASE_URL", "postgres://x")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("database.url: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_HTTP_ADMIN_PORT", "8080")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("http.adminPort: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_HTTP_ALLOWED_ORIGINS", "not an origin")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("http.allowedOrigins: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_NODE_ID", "1024")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.id: ");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_NODE_ID", "automatic")))
                .isInstanceOf(ConfigException.class).hasMessage("node.id: must be 0-1023 or auto (got \"automatic\")");
        assertThatThrownBy(() -> shipped.load("embedded", Map.of("LADDER_NODE_ID_LEASE", "1s")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.idLease: ");
    }

    @Test
    void aNodeIdIsConfiguredOrLeasedAndTheClusterProfilesLeaseByDefault() {
        Config.Node embedded = shipped.load("embedded", Map.of()).node();
        assertThat(embedded.autoId()).isFalse();
        assertThat(embedded.fixedId()).hasValue(0);
        assertThat(embedded.idLease()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(shipped.load("embedded", Map.of("LADDER_NODE_ID", "auto")).node().fixedId()).isEmpty();
        assertThat(shipped.load("users-plus-2", Map.of()).node().autoId()).isTrue();
        assertThat(shipped.load("users-plus-3", Map.of()).node().autoId()).isTrue();
        assertThat(shipped.load("users-plus-2", Map.of("LADDER_NODE_ID", "7")).node().fixedId()).as("a configured id wins").hasValue(7);
        assertThat(shipped.load("single-box", Map.of()).node().autoId()).isFalse();
    }

    @Test
    void anUnknownProfileIsNamed() {
        assertThatThrownBy(() -> shipped.load("users-plus-9", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no profile named \"users-plus-9\"");
        assertThatThrownBy(() -> shipped.load("../etc/passwd", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("profile: ");
    }

    @Test
    void aMissingKeyAndAnUnknownKeyAreNamed(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("holey.yml"), "extends: embedded\nhttp:\n  port: 80\n  colour: blue\n");
        ConfigLoader loader = new ConfigLoader(folder);
        assertThatThrownBy(() -> loader.load("holey", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessage("http.colour: is not a known key");

        Path partial = folder.resolve("partial.yml");
        Files.writeString(partial, "node:\n  id: 1\n");
        assertThatThrownBy(() -> loader.loadFile(partial, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageEndingWith("is missing");
    }

    @Test
    void profilesInTheWorkingFolderWinAndExtendsChainsMerge(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("embedded.yml"), Files.readString(Path.of("profiles/embedded.yml")));
        Files.writeString(folder.resolve("mid.yml"), "extends: embedded\nhttp:\n  port: 7000\n  maxThreads: 64\n");
        Files.writeString(folder.resolve("top.yml"), "extends: mid\nhttp:\n  port: 7100\n");
        Config config = new ConfigLoader(folder).load("top", Map.of());
        assertThat(config.profile()).isEqualTo("top");
        assertThat(config.http().port()).isEqualTo(7100);
        assertThat(config.http().maxThreads()).isEqualTo(64);
        assertThat(config.http().adminPort()).isEqualTo(8081);
    }

    @Test
    void anExtendsLoopIsReported(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("a.yml"), "extends: b\n");
        Files.writeString(folder.resolve("b.yml"), "extends: a\n");
        assertThatThrownBy(() -> new ConfigLoader(folder).load("a", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("extends: ");
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Durations.parse("soon")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofDays(30))).isEqualTo("30d");
    }
}
