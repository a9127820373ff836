package dev.ladder.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CursorTest {
    @Test
    void aCursorRoundTripsTheLastIdAndIsOpaque() {
        String cursor = Cursor.encode(120_028_894_483_972_096L);
        assertThat(cursor).doesNotContain("120028894483972096").matches("[A-Za-z0-9_-]+");
        assertThat(Cursor.decode(cursor)).hasValue(120_028_894_483_972_096L);
    }

    @Test
    void noCursorMeansFromTheNewest() {
        assertThat(Cursor.decode(null)).isEmpty();
        assertThat(Cursor.decode("")).isEmpty();
    }

    @Test
    void refusesCursorsWeDidNotMake() {
        for (String bad : List.of("garbage!", "MTIz", "cDEuYWJj", "cDEuLTE", "x".repeat(65), "p1.123", "cDIuMTIz")) {
            assertThatThrownBy(() -> Cursor.decode(bad)).isInstanceOf(ApiException.class)
                    .extracting(e -> ((ApiException) e).status()).isEqualTo(400);
        }
    }

    @Test
    void limitsDefaultTo20AndStayWithin1To100() {
        assertThat(Cursor.limit(null)).isEqualTo(20);
        assertThat(Cursor.limit("1")).isEqualTo(1);
        assertThat(Cursor.limit("100")).isEqualTo(100);
        for (String bad : List.of("0", "101", "-1", "abc", "1e2", "0100", "99999999999")) {
            assertThatThrownBy(() -> Cursor.limit(bad)).as(bad).isInstanceOf(ApiException.class);
        }
    }

    @Test
    void aPageKeepsLimitItemsAndPointsPastTheLastOne() {
        Page<String> page = Page.of(List.of(30L, 20L, 10L), 2, id -> id, id -> "post " + id);
        assertThat(page.items()).containsExactly("post 30", "post 20");
        assertThat(Cursor.decode(page.next())).hasValue(20L);

        Page<String> last = Page.of(List.of(30L, 20L), 2, id -> id, id -> "post " + id);
        assertThat(last.next()).isNull();
    }
}
