package dev.ladder.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectKeyTest {
    @Test
    void acceptsKeysUnderAPrefixWithAKnownExtension() {
        assertThat(ObjectKey.of("photos", "123.jpg").contentType()).isEqualTo("image/jpeg");
        assertThat(new ObjectKey("thumbs/123.png").prefix()).isEqualTo("thumbs/");
        assertThat(new ObjectKey("static/app.0123abcd.js").contentType()).startsWith("text/javascript");
    }

    @Test
    void refusesEveryKeyThatCouldLeaveItsPrefixOrIsNotOurs() {
        List<String> bad = List.of(
                "", "x.jpg", "/photos/1.jpg", "photos//1.jpg", "photos/../1.jpg", "../photos/1.jpg", "photos/./1.jpg",
                "photos/..", "photos/.hidden.jpg", "photos/1.jpg/", "photos\\..\\1.jpg", "photos/1 2.jpg", "photos/é.jpg",
                "photos/1.exe", "photos/1", "photos/1.jpg\u0000", "C:/photos/1.jpg", "photos/" + "a".repeat(200) + ".jpg",
                "a/".repeat(300) + "b.jpg");
        for (String key : bad) {
            assertThatThrownBy(() -> new ObjectKey(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new ObjectKey(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void prefixesAreCheckedLikeKeys() {
        assertThat(ObjectKey.checkPrefix("thumbs/")).isEqualTo("thumbs/");
        assertThat(ObjectKey.checkPrefix("thumbs/2026/")).isEqualTo("thumbs/2026/");
        for (String bad : List.of("thumbs", "", "/thumbs/", "../", "thumbs/../", "./")) {
            assertThatThrownBy(() -> ObjectKey.checkPrefix(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
