package dev.ladder.sessions;

import java.security.Principal;

/** Who made a request, and through which session. */
public record CurrentUser(long id, String handle, String tokenHash, boolean viaCookie) implements Principal {
    @Override
    public String getName() {
        return handle;
    }
}
