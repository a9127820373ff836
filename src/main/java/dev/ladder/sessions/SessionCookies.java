package dev.ladder.sessions;

import jakarta.ws.rs.core.NewCookie;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The session cookie: script cannot read it, other sites' requests do not carry it, https keeps it secret. */
final class SessionCookies {
    private SessionCookies() {
    }

    /** A cookie holding token until expiresAt (an empty value and expiresAt null clear it). */
    static NewCookie of(String name, String token, Instant expiresAt, boolean secure) {
        long maxAge = expiresAt == null ? 0 : Math.max(0, Duration.between(Clock.systemUTC().instant(), expiresAt).toSeconds());
        return new NewCookie.Builder(name)
                .value(token)
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .sameSite(NewCookie.SameSite.LAX)
                .maxAge((int) Math.min(Integer.MAX_VALUE, maxAge))
                .build();
    }
}
