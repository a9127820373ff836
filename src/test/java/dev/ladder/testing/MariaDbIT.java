package dev.ladder.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class MariaDbIT {

    /** U+1FA9C LADDER: outside the BMP, so four bytes in UTF-8 and a surrogate pair in Java. */
    private static final String LADDER = "\uD83E\uDE9C";

    @Test
    void sharedServerStoresFourByteUtf8() throws SQLException {
        MariaDb db = MariaDb.shared();
        assertThat(MariaDb.shared()).isSameAs(db);

        String name = db.createDatabase();
        assertThat(db.createDatabase()).isNotEqualTo(name);

        try (Connection c = DriverManager.getConnection(db.jdbcUrl(name), db.user(), db.password())) {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME"
                         + " FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("utf8mb4");
                assertThat(rs.getString(2)).isEqualTo("utf8mb4_bin");
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT @@collation_connection, 'a' = 'A', @@time_zone")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("utf8mb4_bin");
                assertThat(rs.getBoolean(2)).isFalse();
                assertThat(rs.getString(3)).isEqualTo("+00:00");
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE handles (id BIGINT PRIMARY KEY AUTO_INCREMENT,"
                        + " name VARCHAR(64) NOT NULL UNIQUE) ENGINE=InnoDB");
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO handles (name) VALUES (?)")) {
                insert.setString(1, "climber" + LADDER);
                assertThat(insert.executeUpdate()).isEqualTo(1);
                // utf8mb4_bin compares exactly: a different case is a different handle.
                insert.setString(1, "CLIMBER" + LADDER);
                assertThat(insert.executeUpdate()).isEqualTo(1);
            }
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT name, CHAR_LENGTH(name), LENGTH(name) FROM handles WHERE name = ?")) {
                select.setString(1, "climber" + LADDER);
                try (ResultSet rs = select.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("climber" + LADDER);
                    assertThat(rs.getInt(2)).isEqualTo(8);  // 7 letters + 1 character
                    assertThat(rs.getInt(3)).isEqualTo(11); // 7 bytes + 4 bytes
                    assertThat(rs.next()).isFalse();
                }
            }
        }
    }

    @Test
    void killedServerIsGoneAndCloseCleansUp() throws Exception {
        Path dir;
        try (MariaDb db = MariaDb.start()) {
            assertThat(db.port()).isNotEqualTo(MariaDb.shared().port());
            dir = db.directory();
            assertThat(dir).isDirectory();
            String name = db.createDatabase();
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(name), db.user(), db.password());
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
            long pid = db.pid();

            db.kill();

            assertThat(db.isRunning()).isFalse();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(Files.exists(Path.of("/proc", Long.toString(pid)))).isFalse(); // reaped, not <defunct>
            assertThat(accepts(db.port())).isFalse();
            assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(name), db.user(), db.password()).close())
                    .isInstanceOf(SQLException.class);
        }
        assertThat(dir).doesNotExist();
        // The shared server is untouched.
        MariaDb shared = MariaDb.shared();
        try (Connection c = DriverManager.getConnection(shared.jdbcUrl(""), shared.user(), shared.password())) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    @Test
    void closeStopsCleanly() throws Exception {
        MariaDb db = MariaDb.start();
        long pid = db.pid();
        Path dir = db.directory();
        db.close();
        db.close(); // idempotent
        assertThat(db.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(dir).doesNotExist();
        assertThat(accepts(db.port())).isFalse();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
