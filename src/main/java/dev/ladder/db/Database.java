package dev.ladder.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ladder.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The connection pool, the JDBI handle factory on it, and the schema migrations. */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
    }

    /** Creates the pool; connections are made lazily, so this returns at once even with the database down. */
    public static Database open(Config.Database config, Path dataDir, String poolName, MeterRegistry metrics) {
        String url = config.resolvedUrl(dataDir);
        if (url.startsWith("jdbc:h2:file:")) {
            try {
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create data.dir " + dataDir + ": " + e.getMessage(), e);
            }
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(poolName);
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setMinimumIdle(config.minIdle());
        hikari.setConnectionTimeout(config.connectionTimeout().toMillis());
        hikari.setMaxLifetime(config.maxLifetime().toMillis());
        // Start even when the database is down: readiness reports it, and requests get 503 until it is back.
        hikari.setInitializationFailTimeout(-1);
        hikari.setMetricRegistry(metrics);
        if (!config.trustStore().isEmpty() && !url.startsWith("jdbc:h2:")) {
            // The CA the database server's certificate must chain to (sslMode=VERIFY_IDENTITY also checks its host name).
            hikari.addDataSourceProperty("trustCertificateKeyStoreUrl", Path.of(config.trustStore()).toAbsolutePath().toUri().toString());
            hikari.addDataSourceProperty("trustCertificateKeyStoreType",
                    config.trustStore().matches("(?i).*\\.(p12|pfx)$") ? "PKCS12" : "JKS");
            hikari.addDataSourceProperty("trustCertificateKeyStorePassword", config.trustStorePassword());
        }
        return new Database(new HikariDataSource(hikari));
    }

    /** Brings the schema up to date (Flyway). Safe to run on several nodes at once: Flyway locks. */
    public void migrate() {
        var result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        log.info("Database schema at version {} ({} migrations applied)", result.targetSchemaVersion, result.migrationsExecuted);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** True when a connection can be had and answers within a second. */
    public boolean isReachable() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
