package dev.ladder.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Refuses a request whose declared Content-Length is over the limit before any of its body
 * reaches the application: a complete 413 problem+json. {@link UnreadBodyHandler} then reads and
 * drops the body if it is small enough (so the answer cannot be lost to a reset and the
 * connection stays open); a larger one gets Connection: close. Bodies without a length are
 * bounded while they are read, by {@link BodyLimitFilter}. Both take the limit for the request's
 * path from the same {@link BodyLimits}.
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
        response.setStatus(413);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (declared > BodyLimits.MAX_DISCARDED_BYTES) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
