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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handles;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pools, the JDBI handle factories on them, and the schema migrations: the
 * primary's pool always, and when database.replica.url is set a replica pool beside it, used only
 * through {@link #reads()}.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final HikariDataSource replicaDataSource;
    private final ReplicaLag replicaLag;
    private final Reads reads;

    private Database(HikariDataSource dataSource, HikariDataSource replicaDataSource, Config.Database.Replica replica,
                     MeterRegistry metrics) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        this.replicaDataSource = replicaDataSource;
        if (replicaDataSource == null) {
            this.replicaLag = null;
            this.reads = Reads.primaryOnly(jdbi);
            return;
        }
        // Writes made for a client move its position on, so its reads on replicas wait for them.
        jdbi.getConfig(Handles.class).addListener(ReadYourWrites.tracker());
        Jdbi replicaJdbi = Jdbi.create(replicaDataSource).installPlugin(new SqlObjectPlugin());
        this.replicaLag = new ReplicaLag(replicaJdbi, metrics);
        this.reads = Reads.withReplica(jdbi, replicaJdbi, replica.readYourWritesWait(), metrics);
    }

    /** Creates the pool; connections are made lazily, so this returns at once even with the database down. */
    public static Database open(Config.Database config, Path dataDir, String poolName, MeterRegistry metrics) {
        String url = config.resolvedUrl(dataDir);
        if (url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:")) {
            try {
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create data.dir " + dataDir + ": " + e.getMessage(), e);
            }
        }
        HikariDataSource primary = new HikariDataSource(
                pool(config, url, poolName, config.maxPoolSize(), config.minIdle(), config.connectionTimeout(), metrics));
        Config.Database.Replica replica = config.replica();
        if (!replica.configured()) {
            return new Database(primary, null, replica, metrics);
        }
        HikariConfig replicaPool = pool(config, replica.url(), poolName + "-replica", replica.maxPoolSize(), replica.minIdle(),
                replica.connectionTimeout(), metrics);
        // Nothing is ever written through this pool; the driver then also refuses to by mistake.
        replicaPool.setReadOnly(true);
        return new Database(primary, new HikariDataSource(replicaPool), replica, metrics);
    }

    /** A pool's settings; the replica pool shares the primary's user, password, trust store and lifetime. */
    private static HikariConfig pool(Config.Database config, String url, String poolName, int maxPoolSize, int minIdle,
                                     Duration connectionTimeout, MeterRegistry metrics) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(poolName);
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(maxPoolSize);
        hikari.setMinimumIdle(minIdle);
        hikari.setConnectionTimeout(connectionTimeout.toMillis());
        hikari.setMaxLifetime(config.maxLifetime().toMillis());
        // Start even when the database is down: readiness reports it, and requests get 503 until it is back.
        hikari.setInitializationFailTimeout(-1);
        hikari.setMetricRegistry(metrics);
        // Left at Hikari's defaults on purpose, as the write profile supports: autoCommit true (a
        // single-statement write commits by itself, no SET autocommit round trips), the server's
        // isolation (no SET per connection), and no connectionTestQuery, so a connection idle
        // over 500 ms is checked with the driver's isValid (a protocol ping), not a query.
        if (url.startsWith("jdbc:mysql:")) {
            connectorJProperties().forEach(hikari::addDataSourceProperty);
        }
        if (!config.trustStore().isEmpty() && !url.startsWith("jdbc:h2:")) {
            // The CA the database server's certificate must chain to (sslMode=VERIFY_IDENTITY also checks its host name).
            hikari.addDataSourceProperty("trustCertificateKeyStoreUrl", Path.of(config.trustStore()).toAbsolutePath().toUri().toString());
            hikari.addDataSourceProperty("trustCertificateKeyStoreType",
                    config.trustStore().matches("(?i).*\\.(p12|pfx)$") ? "PKCS12" : "JKS");
            hikari.addDataSourceProperty("trustCertificateKeyStorePassword", config.trustStorePassword());
        }
        return hikari;
    }

    /**
     * Connector/J settings that spare round trips and per-call work, set here so every
     * database.url gets them (don't contradict them in a URL: the driver merges both). The
     * session state (autocommit, isolation, read-only) is tracked by the driver instead of
     * asked of the server, and a SET autocommit that changes
     * nothing is not sent; the server's variables are read once per pool, not per connection;
     * statements are prepared on the server once per connection and then only executed, with
     * their parameters in the binary protocol (useServerPrepStmts; the cache keeps up to 250 per
     * connection), so the server does not parse each statement's text again, a 1 KB post body
     * included; and the driver keeps no per-query timing it would only use for its own logging.
     * Each server-side statement counts towards MariaDB's max_prepared_stmt_count (16,382 by
     * default): connections × statements in use, a few thousand for the largest local cluster.
     */
    static Map<String, String> connectorJProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("useLocalSessionState", "true");
        properties.put("useLocalTransactionState", "true");
        properties.put("elideSetAutoCommits", "true");
        properties.put("cacheServerConfiguration", "true");
        properties.put("useServerPrepStmts", "true");
        properties.put("cachePrepStmts", "true");
        properties.put("prepStmtCacheSize", "250");
        properties.put("prepStmtCacheSqlLimit", "2048");
        properties.put("cacheResultSetMetadata", "true");
        properties.put("maintainTimeStats", "false");
        properties.put("rewriteBatchedStatements", "true");
        return properties;
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

    /** The primary: writes, transactions, and reads that must be fresh. */
    public Jdbi jdbi() {
        return jdbi;
    }

    /** Reads, routed by the freshness each asks for: to replicas when there are any and the read allows it. */
    public Reads reads() {
        return reads;
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
        if (replicaLag != null) {
            replicaLag.close();
        }
        if (replicaDataSource != null) {
            replicaDataSource.close();
        }
        dataSource.close();
    }
}
