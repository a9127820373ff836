package dev.ladder.posts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.photos.PhotoStatus;
import dev.ladder.photos.PhotoView;
import dev.ladder.posts.PostResource.PostView;
import dev.ladder.posts.RenderedPosts.Rendered;
import dev.ladder.posts.RenderedPosts.RenderedCodec;
import jakarta.ws.rs.core.EntityTag;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenderedPostsTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private static PostView postShowing(String url, PhotoStatus status) {
        PhotoView photo = new PhotoView("42", "ann", status, "image/jpeg", 800, 600, url,
                status == PhotoStatus.ready ? url + "-thumb" : null, status == PhotoStatus.ready ? 256 : null,
                status == PhotoStatus.ready ? 192 : null, NOW);
        return new PostView("7", "ann", "hello", List.of(photo), NOW, NOW);
    }

    private static PhotoLinks presignedAt(Instant now) {
        return PhotoLinks.presigned(Duration.ofMinutes(15), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void aRenderingSurvivesTheTripThroughBytes() {
        RenderedCodec codec = new RenderedCodec();
        Rendered post = new Rendered(new EntityTag("v3.0123456789abcdef"), "\"v3.0123456789abcdef\"",
                "{\"id\":\"7\"}".getBytes(StandardCharsets.UTF_8), true);
        Rendered page = new Rendered(null, null, "{\"items\":[]}".getBytes(StandardCharsets.UTF_8), false);

        Rendered postBack = codec.decode(codec.encode(post));
        Rendered pageBack = codec.decode(codec.encode(page));

        assertThat(postBack.etag()).isEqualTo(post.etag());
        assertThat(postBack.etagHeader()).isEqualTo(post.etagHeader());
        assertThat(postBack.json()).isEqualTo(post.json());
        assertThat(postBack.settled()).isTrue();
        assertThat(pageBack.etag()).isNull();
        assertThat(pageBack.json()).isEqualTo(page.json());
        assertThat(pageBack.settled()).isFalse();
    }

    @Test
    void bytesOfAnotherFormatOrCutShortAreRefusedNotMisread() {
        RenderedCodec codec = new RenderedCodec();
        byte[] encoded = codec.encode(new Rendered(new EntityTag("v1"), "\"v1\"", new byte[] {'{', '}'}, true));

        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(encoded, 4))).isInstanceOf(IllegalArgumentException.class);
        encoded[0] = 99;
        assertThatThrownBy(() -> codec.decode(encoded)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTagDependsOnThePhotosStateNotOnTheirPresignedLinks() {
        PhotoLinks links = presignedAt(NOW);
        EntityTag first = RenderedPosts.etag(postShowing("https://s3/photos/42.jpg?X-Amz-Signature=aaa", PhotoStatus.ready), 3, links);
        EntityTag again = RenderedPosts.etag(postShowing("https://s3/photos/42.jpg?X-Amz-Signature=bbb", PhotoStatus.ready), 3, links);
        EntityTag pending = RenderedPosts.etag(postShowing("https://s3/photos/42.jpg?X-Amz-Signature=bbb", PhotoStatus.pending), 3, links);

        assertThat(again).isEqualTo(first);
        assertThat(pending).isNotEqualTo(first);
        assertThat(RenderedPosts.etag(postShowing("x", PhotoStatus.ready), 4, links)).isNotEqualTo(first);
        assertThat(PostResource.expectedVersion(first.toString())).hasValue(3);
    }

    @Test
    void withPresignedLinksTheTagChangesWithTheLinkWindowSoA304NeverKeepsExpiredLinks() {
        PostView post = postShowing("https://s3/x", PhotoStatus.ready);
        EntityTag now = RenderedPosts.etag(post, 3, presignedAt(NOW));

        assertThat(RenderedPosts.etag(post, 3, presignedAt(NOW.plus(Duration.ofMinutes(7))))).isEqualTo(now);
        assertThat(RenderedPosts.etag(post, 3, presignedAt(NOW.plus(Duration.ofMinutes(8))))).isNotEqualTo(now);
        assertThat(RenderedPosts.etag(post, 3, PhotoLinks.stable())).isEqualTo(RenderedPosts.etag(post, 3, PhotoLinks.stable()));
    }

    @Test
    void aCachedRenderingNeverOutlivesHalfItsPresignedLinksLife() {
        assertThat(presignedAt(NOW).capEntryTtl(Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(7).plusSeconds(30));
        assertThat(presignedAt(NOW).capEntryTtl(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(60));
        assertThat(PhotoLinks.stable().capEntryTtl(Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
    }
}
