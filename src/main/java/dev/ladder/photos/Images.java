package dev.ladder.photos;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Image work with the JDK's ImageIO. Dimensions come from the header alone, so an upload is
 * judged (and a decompression bomb refused) without decoding a pixel. Thumbnails decode with
 * source subsampling, so memory follows the thumbnail's size rather than the photo's, and
 * ImageIO never spills to temporary files.
 */
public final class Images {
    private static final float JPEG_QUALITY = 0.85f;

    static {
        // A server has no display; say so before anything touches AWT.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // Keep ImageIO's stream caches in memory (bounded by the upload limit), never in temp files.
        ImageIO.setUseCache(false);
    }

    private Images() {
    }

    public record Dimensions(int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    public record Thumbnail(byte[] bytes, int width, int height) {
    }

    /** Width and height from the image's header; an IOException when there is no readable header. */
    public static Dimensions dimensions(byte[] bytes, ImageFormat format) throws IOException {
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(format);
            try {
                reader.setInput(input, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new IOException("the header gives no size");
                }
                return new Dimensions(width, height);
            } finally {
                reader.dispose();
            }
        } catch (RuntimeException e) {
            // ImageIO's readers throw unchecked exceptions on some malformed headers.
            throw new IOException("unreadable header: " + e, e);
        }
    }

    /**
     * A thumbnail whose longest side is at most longestSide (never enlarged), aspect kept, in the
     * photo's own format (PNG keeps transparency). Refuses images over maxPixels before decoding.
     */
    public static Thumbnail thumbnail(byte[] bytes, ImageFormat format, int longestSide, long maxPixels) throws IOException {
        BufferedImage decoded;
        Dimensions size;
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(format);
            try {
                reader.setInput(input, true, true);
                size = new Dimensions(reader.getWidth(0), reader.getHeight(0));
                if (size.pixels() > maxPixels || size.width() <= 0 || size.height() <= 0) {
                    throw new IOException("the image is " + size.width() + "x" + size.height() + ", over " + maxPixels + " pixels");
                }
                ImageReadParam param = reader.getDefaultReadParam();
                // Decode at about twice the thumbnail's size, then scale down smoothly.
                int step = Math.max(1, Math.max(size.width(), size.height()) / (2 * longestSide));
                param.setSourceSubsampling(step, step, 0, 0);
                decoded = reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (RuntimeException e) {
            throw new IOException("undecodable image: " + e, e);
        }

        double scale = Math.min(1.0, (double) longestSide / Math.max(size.width(), size.height()));
        int width = Math.max(1, (int) Math.round(size.width() * scale));
        int height = Math.max(1, (int) Math.round(size.height() * scale));
        BufferedImage scaled = scale(decoded, width, height, format == ImageFormat.PNG);
        return new Thumbnail(encode(scaled, format), width, height);
    }

    /** Halves while more than twice too big (each halving bilinear, which keeps detail), then one last step. */
    private static BufferedImage scale(BufferedImage source, int width, int height, boolean alpha) {
        BufferedImage current = source;
        int currentWidth = source.getWidth();
        int currentHeight = source.getHeight();
        do {
            currentWidth = currentWidth / 2 >= width ? currentWidth / 2 : width;
            currentHeight = currentHeight / 2 >= height ? currentHeight / 2 : height;
            BufferedImage next = new BufferedImage(currentWidth, currentHeight, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            Graphics2D graphics = next.createGraphics();
            try {
                if (!alpha) {
                    graphics.setColor(Color.WHITE);
                    graphics.fillRect(0, 0, currentWidth, currentHeight);
                } else {
                    graphics.setComposite(AlphaComposite.Src);
                }
                graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                graphics.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                graphics.drawImage(current, 0, 0, currentWidth, currentHeight, null);
            } finally {
                graphics.dispose();
            }
            current = next;
        } while (currentWidth != width || currentHeight != height);
        return current;
    }

    private static byte[] encode(BufferedImage image, ImageFormat format) throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByMIMEType(format.mediaType());
        if (!writers.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO writer for " + format.mediaType());
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try (ImageOutputStream output = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(output);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format == ImageFormat.JPEG) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(JPEG_QUALITY);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static ImageReader reader(ImageFormat format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByMIMEType(format.mediaType());
        if (!readers.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO reader for " + format.mediaType());
        }
        return readers.next();
    }
}
