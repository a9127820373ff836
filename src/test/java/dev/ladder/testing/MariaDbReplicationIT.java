package dev.ladder.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test helper's replication: a replica follows its primary by GTID, and can be held back. */
class MariaDbReplicationIT {

    @Test
    void aReplicaAppliesThePrimarysWritesAndFallsBehindWhilePaused() throws SQLException {
        try (MariaDb primary = MariaDb.startPrimary(); MariaDb replica = MariaDb.startReplicaOf(primary)) {
            String database = primary.createDatabase();
            execute(primary, database, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)");
            replica.awaitCaughtUpWith(primary);
            assertThat(count(replica, database)).isEqualTo(1);
            assertThat(replica.queryAsRoot("SELECT @@server_id")).isNotEqualTo(primary.queryAsRoot("SELECT @@server_id"));

            replica.pauseReplication();
            execute(primary, database, "INSERT INTO t VALUES (2)");
            String position = primary.queryAsRoot("SELECT @@gtid_binlog_pos");
            assertThat(replica.queryAsRoot("SELECT MASTER_GTID_WAIT('" + position + "', 0.2)")).isEqualTo("-1");
            assertThat(count(replica, database)).isEqualTo(1);

            replica.resumeReplication();
            replica.awaitCaughtUpWith(primary);
            assertThat(count(replica, database)).isEqualTo(2);
        }
    }

    private static void execute(MariaDb server, String database, String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static int count(MariaDb server, String database) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM t")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
