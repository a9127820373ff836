package dev.ladder.http;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Reads what is left of a request body once its answer has gone out, before the exchange
 * completes: up to {@link BodyLimits#MAX_DISCARDED_BYTES}, without a thread waiting on it. Any
 * answer given before the body was read (413 for a body over the limit, 405 on a read-only node,
 * 403 for a change from a foreign Origin) needs it. Otherwise Jetty, finding the body unread,
 * closes the connection while the client is still sending; the kernel then resets it, and the
 * reset can destroy the answer before the client reads it (the JDK's client saw no answer to about
 * one oversized POST in thirteen). nginx's lingering close and Tomcat's maxSwallowSize do the
 * same. A longer rest is not read: the connection closes, as before. A client that stops sending
 * meanwhile is cut off by the idle timeout, one that trickles by the minimum data rate
 * (MinimumDataRateHandler wraps this).
 */
public final class UnreadBodyHandler extends Handler.Wrapper {
    public UnreadBodyHandler(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!BodyLimits.hasBody(request) || request.getLength() > BodyLimits.MAX_DISCARDED_BYTES) {
            return super.handle(request, response, callback);
        }
        return super.handle(request, response, new Callback() {
            @Override
            public void succeeded() {
                new Discard(request, callback).run();
            }

            @Override
            public void failed(Throwable failure) {
                callback.failed(failure);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        });
    }

    /** Reads and drops chunks until the body ends or the allowance is spent, then completes. */
    private static final class Discard implements Runnable {
        private final Request request;
        private final Callback callback;
        private long discarded;

        Discard(Request request, Callback callback) {
            this.request = request;
            this.callback = callback;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                // A failure (idle timeout, too slow) ends it too: the answer is out, Jetty closes the connection.
                boolean done = Content.Chunk.isFailure(chunk) || chunk.isLast();
                discarded += chunk.remaining();
                chunk.release();
                if (done || discarded > BodyLimits.MAX_DISCARDED_BYTES) {
                    callback.succeeded();
                    return;
                }
            }
        }
    }
}
