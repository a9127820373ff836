package dev.ladder.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Cuts off a request whose body arrives slower than http.minRequestDataRate bytes a second
 * (after a short grace), so a client trickling a byte every few seconds, never idle long enough
 * for the idle timeout, cannot hold a thread or an upload slot. Reading the body then fails with a
 * timeout, which the API answers with 408 and the connection closes.
 *
 * Jetty 12 keeps HttpConfiguration's minRequestDataRate only for the servlet layers, and its
 * MinimumDataRateHandler measures the bytes of all requests together (a StatisticsHandler), so
 * one busy client would cover for a slow one; this measures each request on its own.
 */
public final class MinimumDataRateHandler extends Handler.Wrapper {
    /** The first seconds of a body are free: a slow start (a client that waited for 100 Continue) is not cut. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long minBytesPerSecond;

    public MinimumDataRateHandler(long minBytesPerSecond, Handler handler) {
        super(handler);
        this.minBytesPerSecond = minBytesPerSecond;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (minBytesPerSecond <= 0 || !BodyLimits.hasBody(request)) {
            return super.handle(request, response, callback);
        }
        return super.handle(new RateCheckedRequest(request, minBytesPerSecond), response, callback);
    }

    private static final class RateCheckedRequest extends Request.Wrapper {
        private final long minBytesPerSecond;
        private long firstReadNanos = -1;
        private long bytesRead;
        private Content.Chunk failure;

        RateCheckedRequest(Request request, long minBytesPerSecond) {
            super(request);
            this.minBytesPerSecond = minBytesPerSecond;
        }

        @Override
        public Content.Chunk read() {
            if (failure != null) {
                return failure;
            }
            long now = System.nanoTime();
            if (firstReadNanos < 0) {
                firstReadNanos = now;
            }
            Content.Chunk chunk = super.read();
            if (chunk == null || Content.Chunk.isFailure(chunk)) {
                return chunk;
            }
            bytesRead += chunk.remaining();
            long elapsed = now - firstReadNanos;
            if (!chunk.isLast() && elapsed > GRACE_NANOS && bytesRead * 1_000_000_000L / elapsed < minBytesPerSecond) {
                chunk.release();
                failure = Content.Chunk.from(new TimeoutException("the request body arrived slower than "
                        + minBytesPerSecond + " bytes a second"), true);
                return failure;
            }
            return chunk;
        }
    }
}
