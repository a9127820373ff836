package dev.ladder.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.config.ConfigLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database on another host is reached over TLS with its certificate and host name checked, against a chosen trust store. */
class DatabaseTlsTest {
    @TempDir
    Path data;

    private static Config usersPlus(Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("LADDER_STORAGE_S3_BUCKET", "media"));
        env.putAll(more);
        return ConfigLoader.standard().load("users-plus", env);
    }

    @Test
    void usersPlusVerifiesTheDatabasesCertificateAndHostName() {
        String url = usersPlus(Map.of()).database().url();
        assertThat(url).contains("sslMode=VERIFY_IDENTITY").doesNotContain("PREFERRED").doesNotContain("DISABLED");
    }

    @Test
    void aConfiguredTrustStoreIsHandedToTheDriverAndItsPasswordNeverPrinted() throws Exception {
        Path trustStore = Files.write(data.resolve("db-ca.p12"), new byte[] {1});
        Config config = usersPlus(Map.of(
                "LADDER_DATABASE_URL", "jdbc:mysql://127.0.0.1:1/ladder?sslMode=VERIFY_IDENTITY",
                "LADDER_DATABASE_TRUST_STORE", trustStore.toString(),
                "LADDER_DATABASE_TRUST_STORE_PASSWORD", "s3cret-store"));
        assertThat(config.database().toString()).doesNotContain("s3cret-store");
        try (Database database = Database.open(config.database(), data, "tls", new SimpleMeterRegistry())) {
            Properties properties = ((HikariDataSource) database.dataSource()).getDataSourceProperties();
            assertThat(properties.getProperty("trustCertificateKeyStoreUrl")).isEqualTo(trustStore.toUri().toString());
            assertThat(properties.getProperty("trustCertificateKeyStoreType")).isEqualTo("PKCS12");
            assertThat(properties.getProperty("trustCertificateKeyStorePassword")).isEqualTo("s3cret-store");
        }
    }

    @Test
    void aMissingTrustStoreStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> usersPlus(Map.of("LADDER_DATABASE_TRUST_STORE", data.resolve("absent.p12").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("database.trustStore");
    }
}
