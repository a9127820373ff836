package dev.ladder.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Refuses a request whose declared Content-Length is over the limit before any of its body is
 * read: a complete 413 problem+json, then the connection closes (the unread body is not wanted).
 * Bodies without a length are bounded while they are read, by {@link BodyLimitFilter}.
 */
public final class BodyLimitHandler extends Handler.Wrapper {
    private static final ObjectMapper JSON = Json.mapper();
    private final long limit;

    public BodyLimitHandler(long limit, Handler handler) {
        super(handler);
        this.limit = limit;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long declared = request.getLength();
        if (declared <= limit) {
            return super.handle(request, response, callback);
        }
        byte[] body = JSON.writeValueAsBytes(ApiException.tooLarge(limit).problem());
        response.setStatus(413);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, java.nio.ByteBuffer.wrap(body), callback);
        return true;
    }
}
