package dev.ladder.posts;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long the photo links in a rendering stay valid: for ever (a CDN, a public bucket, this
 * node's /media/) or, when the store hands out presigned URLs, storage.presignTtl from the moment
 * the rendering was made.
 *
 * <p>With presigned links time is cut into windows of half that life. A cached rendering lives at
 * most one window ({@link #capEntryTtl}), so every rendering served still has at least half its
 * links' life ahead (minus nearCacheTtl, at most a minute, for a near-cache copy). The window's
 * number is part of the ETag of a post that shows photos, so a 304 is only ever sent for a body
 * rendered in the current window, whose links are valid at least until the next one ends. The
 * tag does not depend on the URLs themselves (a new signature every render), so within a window
 * revalidations get their 304.
 */
public record PhotoLinks(Optional<Duration> presignTtl, Clock clock) {
    public PhotoLinks {
        Objects.requireNonNull(presignTtl, "presignTtl");
        Objects.requireNonNull(clock, "clock");
        presignTtl.ifPresent(ttl -> {
            if (ttl.toMillis() < 2) {
                throw new IllegalArgumentException("presignTtl too short: " + ttl);
            }
        });
    }

    /** Links that never expire. */
    public static PhotoLinks stable() {
        return new PhotoLinks(Optional.empty(), Clock.systemUTC());
    }

    /** Links that expire presignTtl after they are made. */
    public static PhotoLinks presigned(Duration presignTtl, Clock clock) {
        return new PhotoLinks(Optional.of(presignTtl), clock);
    }

    private Optional<Duration> window() {
        return presignTtl.map(ttl -> ttl.dividedBy(2));
    }

    /** ttl, shortened to one window when links expire. */
    public Duration capEntryTtl(Duration ttl) {
        return window().filter(window -> window.compareTo(ttl) < 0).orElse(ttl);
    }

    /** "" for links that never expire, else "." and the current window's number in hex (for an ETag). */
    String windowTag() {
        return window().map(window -> "." + Long.toHexString(clock.millis() / window.toMillis())).orElse("");
    }
}
