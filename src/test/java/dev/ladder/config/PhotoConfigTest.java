package dev.ladder.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The users-plus keys (roles, storage, queue, worker, photos, web): defaults, profiles, and refusals that name the key. */
class PhotoConfigTest {
    private static Config load(String profile, Map<String, String> env) {
        return ConfigLoader.standard().load(profile, env);
    }

    private static Map<String, String> with(String... pairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void embeddedIsOneBoxDoingEverythingLocally() {
        Config config = load("embedded", Map.of());

        assertThat(config.node().roles()).containsExactly(Config.Role.web, Config.Role.worker);
        assertThat(config.storage().kind()).isEqualTo(Config.Storage.Kind.local);
        assertThat(config.queue().kind()).isEqualTo(Config.Queue.Kind.database);
        assertThat(config.photos().maxUploadBytes()).isEqualTo(10 * 1024 * 1024);
        assertThat(config.photos().maxPixels()).isEqualTo(40_000_000L);
        assertThat(config.photos().thumbnailSize()).isEqualTo(256);
        assertThat(config.worker().testOnlyJobDelay()).isZero();
        assertThat(config.web().assets()).isEqualTo(Config.Web.Assets.bundled);
    }

    @Test
    void usersPlusUsesS3AndSqsAndNeedsABucket() {
        assertThatThrownBy(() -> load("users-plus", Map.of())).isInstanceOf(ConfigException.class).hasMessage("storage.s3.bucket: must not be empty");

        Config config = load("users-plus", with("LADDER_STORAGE_S3_BUCKET", "ladder-media", "LADDER_NODE_ROLES", "worker"));

        assertThat(config.storage().kind()).isEqualTo(Config.Storage.Kind.s3);
        assertThat(config.queue().kind()).isEqualTo(Config.Queue.Kind.sqs);
        assertThat(config.queue().receiveWait().toSeconds()).isEqualTo(20);
        assertThat(config.database().url()).startsWith("jdbc:mysql://db.ladder.internal:3306/");
        assertThat(config.node().roles()).containsExactly(Config.Role.worker);
    }

    @Test
    void badValuesStopStartUpNamingTheKey() {
        Map<Map<String, String>, String> cases = Map.of(
                with("LADDER_NODE_ROLES", ""), "node.roles",
                with("LADDER_NODE_ROLES", "web,web"), "node.roles",
                with("LADDER_NODE_ROLES", "web,cook"), "node.roles[1]",
                with("LADDER_STORAGE_KIND", "ftp"), "storage.kind",
                with("LADDER_STORAGE_PUBLIC_BASE_URL", "cdn.example.com"), "storage.publicBaseUrl",
                with("LADDER_STORAGE_S3_ACCESS_KEY_ID", "only-half"), "storage.s3.secretAccessKey",
                with("LADDER_QUEUE_VISIBILITY_TIMEOUT", "0s"), "queue.visibilityTimeout",
                with("LADDER_QUEUE_RECEIVE_BATCH", "11"), "queue.receiveBatch",
                with("LADDER_QUEUE_KIND", "sqs", "LADDER_QUEUE_SQS_QUEUE_NAME", ""), "queue.sqs.queueName",
                with("LADDER_PHOTOS_MAX_UPLOAD_BYTES", "0"), "photos.maxUploadBytes");
        cases.forEach((env, key) -> assertThatThrownBy(() -> load("embedded", env)).as(env.toString())
                .isInstanceOf(ConfigException.class)
                .satisfies(error -> assertThat(((ConfigException) error).key()).isEqualTo(key)));
        assertThatThrownBy(() -> load("users-plus", with("LADDER_STORAGE_S3_BUCKET", "b", "LADDER_WEB_ASSETS", "published")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("web.assets: published needs storage.publicBaseUrl");
    }

    @Test
    void secretsStayOutOfToString() {
        Config config = load("users-plus", with("LADDER_STORAGE_S3_BUCKET", "b", "LADDER_STORAGE_S3_ACCESS_KEY_ID", "AKIA",
                "LADDER_STORAGE_S3_SECRET_ACCESS_KEY", "very-secret", "LADDER_QUEUE_SQS_ACCESS_KEY_ID", "AKIA",
                "LADDER_QUEUE_SQS_SECRET_ACCESS_KEY", "also-secret"));

        assertThat(config.toString()).doesNotContain("very-secret").doesNotContain("also-secret");
    }
}
