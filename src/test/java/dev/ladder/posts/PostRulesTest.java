package dev.ladder.posts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.http.ApiException;
import org.junit.jupiter.api.Test;

class PostRulesTest {
    @Test
    void countsTheBodyInUtf8Bytes() {
        assertThat(PostService.utf8Length("abc")).isEqualTo(3);
        assertThat(PostService.utf8Length("é")).isEqualTo(2);
        assertThat(PostService.utf8Length("€")).isEqualTo(3);
        assertThat(PostService.utf8Length("😀")).isEqualTo(4);
    }

    @Test
    void acceptsOneTo1024Bytes() {
        assertThatCode(() -> PostService.validateBody("x")).doesNotThrowAnyException();
        assertThatCode(() -> PostService.validateBody("x".repeat(1024))).doesNotThrowAnyException();
        assertThatCode(() -> PostService.validateBody("😀".repeat(256))).doesNotThrowAnyException();
        assertThatThrownBy(() -> PostService.validateBody("x".repeat(1025))).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> PostService.validateBody("€".repeat(342))).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> PostService.validateBody("")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> PostService.validateBody(null)).isInstanceOf(ApiException.class);
    }

    @Test
    void refusesLoneSurrogatesThatNoUtf8CanCarry() {
        assertThatThrownBy(() -> PostService.validateBody("a\uD800b")).isInstanceOf(ApiException.class)
                .hasMessageContaining("not valid Unicode");
    }

    @Test
    void ifMatchNamesOurVersionsOrNothing() {
        assertThat(PostResource.expectedVersion(null)).isEmpty();
        assertThat(PostResource.expectedVersion("*")).isEmpty();
        assertThat(PostResource.expectedVersion("\"v3\"")).hasValue(3);
        assertThat(PostResource.expectedVersion("W/\"v12\"")).hasValue(12);
        assertThatThrownBy(() -> PostResource.expectedVersion("\"abc\"")).isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).status()).isEqualTo(412);
    }
}
