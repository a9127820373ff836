package dev.ladder.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GtidPositionTest {

    @Test
    void theServersPositionReadsBackAsMasterGtidWaitTakesIt() {
        GtidPosition position = GtidPosition.parseServer("1-2-30,0-1-18446744073709551615").orElseThrow();
        assertThat(position.toString()).isEqualTo("0-1-18446744073709551615,1-2-30");
        assertThat(position.toCookie()).isEqualTo("0-1-18446744073709551615.1-2-30");
        assertThat(GtidPosition.parseCookie(position.toCookie())).contains(position);
    }

    @Test
    void noWriteYetIsNoPosition() {
        assertThat(GtidPosition.parseServer("")).isEmpty();
        assertThat(GtidPosition.parseServer(null)).isEmpty();
    }

    @Test
    void mergingKeepsTheHigherSequencePerDomain() {
        GtidPosition seen = GtidPosition.parseServer("0-1-10,1-1-5").orElseThrow();
        GtidPosition written = GtidPosition.parseServer("0-2-12").orElseThrow();
        assertThat(seen.merge(written).toString()).isEqualTo("0-2-12,1-1-5");
        assertThat(written.merge(seen).toString()).isEqualTo("0-2-12,1-1-5");
        assertThat(seen.merge(GtidPosition.parseServer("0-1-9").orElseThrow())).isEqualTo(seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "0-1", "0-1-", "-0-1-2", "0-1-2,0-1-3", "0-1-2.0-1-3", "0-1-2.", ".0-1-2", "0-1-2 ", "\"0-1-2\"",
            "4294967296-1-1", "0-4294967296-1", "0-1-18446744073709551616", "0-1-123456789012345678901",
            "0-1-1.1-1-1.2-1-1.3-1-1.4-1-1.5-1-1.6-1-1.7-1-1.8-1-1", "0-1-2;1-1-1", "0x1-1-1", "0-1-1e3"})
    void aMalformedCookieIsNoPosition(String value) {
        assertThat(GtidPosition.parseCookie(value)).isEmpty();
    }

    @Test
    void anOverlongCookieIsNoPosition() {
        assertThat(GtidPosition.parseCookie("0-1-" + "9".repeat(10_000))).isEmpty();
        assertThat(GtidPosition.parseCookie("1".repeat(100_000))).isEqualTo(Optional.empty());
    }

    @Test
    void onlyStatementsThatChangeDataCountAsWrites() {
        assertThat(ReadYourWrites.isWrite("INSERT INTO posts VALUES (1)")).isTrue();
        assertThat(ReadYourWrites.isWrite("\n  update posts set body = 'x'")).isTrue();
        assertThat(ReadYourWrites.isWrite("DELETE FROM sessions")).isTrue();
        assertThat(ReadYourWrites.isWrite("REPLACE INTO t VALUES (1)")).isTrue();
        assertThat(ReadYourWrites.isWrite("SELECT 1")).isFalse();
        assertThat(ReadYourWrites.isWrite("")).isFalse();
        assertThat(ReadYourWrites.isWrite(null)).isFalse();
    }
}
