package dev.ladder.storage;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The name of a stored object, made only by code (never taken from a user): slash-separated
 * segments that start with a letter or digit, so there is no "..", no "." and no leading slash,
 * and a key can never leave its prefix. The extension names the content type.
 */
public record ObjectKey(String value) {
    public static final int MAX_LENGTH = 512;
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "jpg", "image/jpeg",
            "png", "image/png",
            "webp", "image/webp",
            "svg", "image/svg+xml",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8",
            "json", "application/json",
            "txt", "text/plain; charset=utf-8");

    public ObjectKey {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("an object key must be 1-" + MAX_LENGTH + " characters");
        }
        String[] segments = value.split("/", -1);
        if (segments.length < 2) {
            throw new IllegalArgumentException("an object key must live under a prefix (prefix/name): " + value);
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("not a safe object key segment: \"" + segment + "\" in " + value);
            }
        }
        if (contentTypeOf(segments[segments.length - 1]) == null) {
            throw new IllegalArgumentException("an object key must end in a known extension " + CONTENT_TYPES.keySet() + ": " + value);
        }
    }

    /** A key from its segments, e.g. {@code of("thumbs", "123.jpg")}. */
    public static ObjectKey of(String... segments) {
        return new ObjectKey(String.join("/", segments));
    }

    /** The first segment with its slash ("thumbs/"). */
    public String prefix() {
        return value.substring(0, value.indexOf('/') + 1);
    }

    public String contentType() {
        return contentTypeOf(value.substring(value.lastIndexOf('/') + 1));
    }

    /** A prefix to list under: segments ending in a slash, checked like a key's. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty() || !prefix.endsWith("/") || prefix.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a prefix must be 1-" + MAX_LENGTH + " characters ending in /: " + prefix);
        }
        for (String segment : prefix.substring(0, prefix.length() - 1).split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("not a safe prefix segment: \"" + segment + "\" in " + prefix);
            }
        }
        return prefix;
    }

    private static String contentTypeOf(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? null : CONTENT_TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return value;
    }
}
