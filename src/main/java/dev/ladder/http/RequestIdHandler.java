package dev.ladder.http;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.MDC;

/**
 * Gives every request an id before anything else runs: echoed in X-Request-Id, put in the
 * logging MDC for the handling thread, and kept as a request attribute for the access log.
 */
public final class RequestIdHandler extends Handler.Wrapper {
    public static final String ATTRIBUTE = "ladder.requestId";

    public RequestIdHandler(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String id = RequestIds.accept(request.getHeaders().get(RequestIds.HEADER));
        request.setAttribute(ATTRIBUTE, id);
        response.getHeaders().put(RequestIds.HEADER, id);
        MDC.put(RequestIds.MDC_KEY, id);
        try {
            return super.handle(request, response, callback);
        } finally {
            MDC.remove(RequestIds.MDC_KEY);
        }
    }
}
