package dev.ladder.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;

/**
 * Keyset pagination cursors: an opaque token holding the last id of a page. The next page is
 * "ids below this one", so pages stay stable under inserts and no query ever uses OFFSET.
 */
public final class Cursor {
    private static final String PREFIX = "p1.";
    private static final int MAX_LENGTH = 64;

    private Cursor() {
    }

    public static String encode(long lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((PREFIX + lastId).getBytes(StandardCharsets.US_ASCII));
    }

    /** The id a cursor holds; empty for a missing cursor; a 400 for one that is not ours. */
    public static OptionalLong decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return OptionalLong.empty();
        }
        if (cursor.length() > MAX_LENGTH) {
            throw ApiException.invalid("before: not a valid cursor");
        }
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("before: not a valid cursor");
        }
        if (!text.startsWith(PREFIX)) {
            throw ApiException.invalid("before: not a valid cursor");
        }
        OptionalLong id = dev.ladder.ids.IdGenerator.parse(text.substring(PREFIX.length()));
        if (id.isEmpty()) {
            throw ApiException.invalid("before: not a valid cursor");
        }
        return id;
    }

    /** Page size: default 20, 1-100; anything else is a 400. */
    public static int limit(String limit) {
        if (limit == null || limit.isEmpty()) {
            return 20;
        }
        if (limit.length() > 3 || !limit.chars().allMatch(Character::isDigit)) {
            throw ApiException.invalid("limit: must be a whole number from 1 to 100");
        }
        int value = Integer.parseInt(limit);
        if (value < 1 || value > 100) {
            throw ApiException.invalid("limit: must be a whole number from 1 to 100");
        }
        return value;
    }
}
