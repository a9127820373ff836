package dev.ladder.idempotency;

import jakarta.ws.rs.core.Response;
import java.util.Objects;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * The answer to a creating request, made inside the transaction of the write it answers. A
 * resource makes one ({@link IdempotencyFilter#answer}) with how to render its response from what
 * was written, hands it to the service, and the service calls {@link #store} in its write
 * transaction (and {@link #withdraw} in a transaction that undoes the write). When the request
 * carries an Idempotency-Key, the rendered response is stored with the write, fenced by the
 * request's claim; without one, nothing is stored and the service may skip the transaction.
 *
 * @param <T> what the write produced (a post, a user, a photo)
 */
public final class Answer<T> {
    private final IdempotencyFilter.Held held;
    private final Function<T, Response> render;
    private Response rendered;

    Answer(IdempotencyFilter.Held held, Function<T, Response> render) {
        this.held = held;
        this.render = Objects.requireNonNull(render, "render");
    }

    /** An answer for code that runs without a request (tests, commands): nothing is stored. */
    public static <T> Answer<T> unkeyed(Function<T, Response> render) {
        return new Answer<>(null, render);
    }

    /** Whether there is a key whose answer must commit with the write. */
    public boolean isKeyed() {
        return held != null;
    }

    /** In the write's transaction, once written is in it: renders the response and stores it with the write. */
    public void store(Handle handle, T written) {
        rendered = render.apply(written);
        if (held != null) {
            held.keys().storeIn(handle, held.claim(), IdempotencyFilter.stored(rendered));
            held.markStored();
        }
    }

    /** In the transaction that undoes the write: the stored answer goes with it, so a retry runs afresh. */
    public void withdraw(Handle handle) {
        rendered = null;
        if (held != null) {
            held.keys().withdrawIn(handle, held.claim());
            held.markWithdrawn();
        }
    }

    /** The response to send: the one stored with the write, so the first answer and its replays are the same. */
    public Response response(T written) {
        return rendered != null ? rendered : render.apply(written);
    }
}
