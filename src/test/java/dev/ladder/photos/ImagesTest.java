package dev.ladder.photos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImagesTest {
    @Test
    void readsTheSizeFromTheHeaderAlone() throws Exception {
        byte[] jpeg = SyntheticPhoto.jpeg(640, 480, 1);
        byte[] png = SyntheticPhoto.png(300, 500, 2);

        assertThat(Images.dimensions(jpeg, ImageFormat.JPEG)).isEqualTo(new Images.Dimensions(640, 480));
        assertThat(Images.dimensions(png, ImageFormat.PNG)).isEqualTo(new Images.Dimensions(300, 500));
        // A PNG header (no pixels at all) announcing 100 000 x 100 000 is read without decoding anything.
        assertThat(Images.dimensions(Fixtures.pngHeaderOnly(100_000, 100_000), ImageFormat.PNG).pixels()).isEqualTo(10_000_000_000L);
    }

    @Test
    void sniffsFormatsFromMagicBytesNotFromNames() {
        assertThat(ImageFormat.sniff(SyntheticPhoto.jpeg(10, 10, 3))).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.sniff(SyntheticPhoto.png(10, 10, 3))).contains(ImageFormat.PNG);
        assertThat(ImageFormat.sniff("GIF89a...".getBytes())).isEmpty();
        assertThat(ImageFormat.sniff(new byte[] {(byte) 0xFF})).isEmpty();
        assertThat(ImageFormat.ofMediaType("image/JPEG; charset=whatever")).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.ofMediaType("image/gif")).isEmpty();
        assertThat(ImageFormat.ofMediaType(null)).isEmpty();
    }

    @Test
    void aThumbnailKeepsTheAspectWithItsLongestSideAt256() throws Exception {
        assertThumbnail(SyntheticPhoto.jpeg(4032, 3024, 4), ImageFormat.JPEG, 256, 192);
        assertThumbnail(SyntheticPhoto.jpeg(1000, 3000, 5), ImageFormat.JPEG, 85, 256);
        assertThumbnail(SyntheticPhoto.png(513, 257, 6), ImageFormat.PNG, 256, 128);
        assertThumbnail(SyntheticPhoto.png(5000, 7, 7), ImageFormat.PNG, 256, 1);
    }

    @Test
    void aSmallImageIsNotEnlarged() throws Exception {
        assertThumbnail(SyntheticPhoto.png(100, 60, 8), ImageFormat.PNG, 100, 60);
    }

    @Test
    void aThumbnailIsInThePhotosOwnFormat() throws Exception {
        assertThat(ImageFormat.sniff(Images.thumbnail(SyntheticPhoto.jpeg(600, 600, 9), ImageFormat.JPEG, 256, 40_000_000).bytes()))
                .contains(ImageFormat.JPEG);
        assertThat(ImageFormat.sniff(Images.thumbnail(SyntheticPhoto.png(600, 600, 9), ImageFormat.PNG, 256, 40_000_000).bytes()))
                .contains(ImageFormat.PNG);
    }

    @Test
    void refusesToDecodeAnImageOverThePixelLimitOrWithoutPixels() {
        assertThatThrownBy(() -> Images.thumbnail(Fixtures.pngHeaderOnly(8000, 6000), ImageFormat.PNG, 256, 40_000_000))
                .isInstanceOf(IOException.class).hasMessageContaining("8000x6000");
        byte[] truncated = Arrays.copyOf(SyntheticPhoto.jpeg(800, 600, 10), 600);
        assertThatThrownBy(() -> Images.thumbnail(truncated, ImageFormat.JPEG, 256, 40_000_000)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Images.dimensions("not an image".getBytes(), ImageFormat.PNG)).isInstanceOf(IOException.class);
    }

    private static void assertThumbnail(byte[] photo, ImageFormat format, int width, int height) throws IOException {
        Images.Thumbnail thumbnail = Images.thumbnail(photo, format, 256, 40_000_000);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(thumbnail.bytes()));
        assertThat(decoded.getWidth()).isEqualTo(width).isEqualTo(thumbnail.width());
        assertThat(decoded.getHeight()).isEqualTo(height).isEqualTo(thumbnail.height());
    }
}
