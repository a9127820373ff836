package dev.ladder.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Refuses a request whose declared Content-Length is over the limit before any of it reaches the
 * application, with a complete 413 problem+json. A refused body of at most
 * {@link BodyLimits#MAX_DISCARDED_BYTES} is first read (without a thread waiting on it) and thrown
 * away, so the answer cannot be lost to a reset and the connection stays open for the next
 * request; a larger one is answered at once and the connection closed. Bodies without a length
 * are bounded while they are read, by {@link BodyLimitFilter}. Both take the limit for the
 * request's path from the same {@link BodyLimits}.
 */
public final class BodyLimitHandler extends Handler.Wrapper {
    private static final ObjectMapper JSON = Json.mapper();
    private final BodyLimits limits;

    public BodyLimitHandler(BodyLimits limits, Handler handler) {
        super(handler);
        this.limits = limits;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long limit = limits.limitFor(request.getHttpURI().getPath());
        long declared = request.getLength();
        if (declared <= limit) {
            return super.handle(request, response, callback);
        }
        byte[] body = JSON.writeValueAsBytes(ApiException.tooLarge(limit).problem());
        if (declared > BodyLimits.MAX_DISCARDED_BYTES) {
            refuse(response, body, true, callback);
        } else {
            // A client that stops sending fails this at the idle timeout, one that trickles at the
            // minimum data rate (MinimumDataRateHandler wraps this handler): both get the 413 and a close.
            Content.Source.consumeAll(request, Callback.from(
                    () -> refuse(response, body, false, callback),
                    failure -> refuse(response, body, true, callback)));
        }
        return true;
    }

    private static void refuse(Response response, byte[] body, boolean close, Callback callback) {
        response.setStatus(413);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
