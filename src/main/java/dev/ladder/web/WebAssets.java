package dev.ladder.web;

import dev.ladder.storage.ObjectKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The web page's static assets as bundled in the jar, each with a content-hashed object key
 * (static/app.3f9c0e12ab45cd67.js). The key changes whenever the content does, so published
 * assets can be cached for a year, and this jar and the one that published them agree on the
 * names without any manifest passing between them.
 */
public final class WebAssets {
    /** The files index.html links; it is itself not published (it must never be cached for long). */
    static final List<String> FILES = List.of("app.js", "app.css", "favicon.svg");
    private static final String FOLDER = "web/";

    private WebAssets() {
    }

    public record Asset(String file, ObjectKey key, byte[] bytes) {
    }

    public static List<Asset> bundled() {
        return FILES.stream().map(file -> {
            byte[] bytes = read(file);
            int dot = file.lastIndexOf('.');
            String hashed = file.substring(0, dot) + "." + hash(bytes) + file.substring(dot);
            return new Asset(file, ObjectKey.of("static", hashed), bytes);
        }).toList();
    }

    /** index.html with each asset link pointing at base + "/" + its published key. */
    public static String indexPublishedAt(String base) {
        String html = new String(read("index.html"), StandardCharsets.UTF_8);
        for (Asset asset : bundled()) {
            String link = "=\"" + asset.file() + "\"";
            if (!html.contains(link)) {
                throw new IllegalStateException("index.html no longer links " + asset.file() + "; update WebAssets.FILES");
            }
            html = html.replace(link, "=\"" + base + "/" + asset.key().value() + "\"");
        }
        return html;
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static byte[] read(String file) {
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no " + FOLDER + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
