package dev.ladder.photos;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Photo-like images made on the spot (gradients, shapes and sensor-like noise, so they compress
 * like photographs rather than like flat colour), for benchmarks and tests.
 */
public final class SyntheticPhoto {
    private SyntheticPhoto() {
    }

    public static BufferedImage image(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        try {
            graphics.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), width, height, new Color(random.nextInt(0xFFFFFF))));
            graphics.fillRect(0, 0, width, height);
            for (int i = 0; i < 40; i++) {
                graphics.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256), 120));
                int size = Math.max(1, Math.min(width, height) / (2 + random.nextInt(8)));
                graphics.fillOval(random.nextInt(Math.max(1, width)), random.nextInt(Math.max(1, height)), size, size);
            }
        } finally {
            graphics.dispose();
        }
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int noise = random.nextInt(17) - 8;
                int rgb = row[x];
                row[x] = (clamp(((rgb >> 16) & 0xFF) + noise) << 16) | (clamp(((rgb >> 8) & 0xFF) + noise) << 8) | clamp((rgb & 0xFF) + noise);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }

    public static byte[] jpeg(int width, int height, long seed) {
        return encode(image(width, height, seed), "jpg");
    }

    public static byte[] png(int width, int height, long seed) {
        return encode(image(width, height, seed), "png");
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }
}
