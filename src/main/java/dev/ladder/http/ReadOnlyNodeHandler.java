package dev.ladder.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * On a read-api node, every method but GET and HEAD is refused with 405 problem+json
 * (/problems/read-only-node) before any work: no body is read, no session looked up, nothing
 * written. A load balancer that sends a change here is misconfigured, and this makes it loud.
 */
public final class ReadOnlyNodeHandler extends Handler.Wrapper {
    private static final ObjectMapper JSON = Json.mapper();

    public ReadOnlyNodeHandler(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        if (HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method)) {
            return super.handle(request, response, callback);
        }
        byte[] body = JSON.writeValueAsBytes(Problem.of(405, "read-only-node", "Method not allowed on a read-only node",
                "this node serves GET and HEAD only; send changes to a write-api node"));
        response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
        response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
