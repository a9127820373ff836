package dev.ladder.users;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.http.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserRulesTest {
    @Test
    void handlesAre3To30LowercaseLettersDigitsAndUnderscores() {
        for (String good : List.of("abc", "a_1", "x".repeat(30), "___", "user_2026")) {
            assertThatCode(() -> UserService.validateHandle(good)).as(good).doesNotThrowAnyException();
        }
        for (String bad : List.of("ab", "x".repeat(31), "Abc", "a-b", "a b", "émile", "abc\n", "")) {
            assertThatThrownBy(() -> UserService.validateHandle(bad)).as(bad).isInstanceOf(ApiException.class);
        }
        assertThatThrownBy(() -> UserService.validateHandle(null)).isInstanceOf(ApiException.class);
    }

    @Test
    void passwordsAre8To128Characters() {
        assertThatCode(() -> UserService.validatePassword("12345678")).doesNotThrowAnyException();
        assertThatCode(() -> UserService.validatePassword("p".repeat(128))).doesNotThrowAnyException();
        assertThatCode(() -> UserService.validatePassword("😀".repeat(128))).doesNotThrowAnyException(); // characters, not UTF-16 units
        assertThatThrownBy(() -> UserService.validatePassword("1234567")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> UserService.validatePassword("p".repeat(129))).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> UserService.validatePassword(null)).isInstanceOf(ApiException.class);
    }
}
