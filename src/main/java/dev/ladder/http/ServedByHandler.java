package dev.ladder.http;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Names the node that answered in X-Served-By (http.servedBy), on every public response: behind
 * a load balancer it is how a person or a test sees which node served a request. Errors that
 * Jetty answers itself keep it too ({@link ProblemErrorHandler} puts it back after a reset).
 */
public final class ServedByHandler extends Handler.Wrapper {
    public static final String HEADER = "X-Served-By";
    static final String ATTRIBUTE = "ladder.servedBy";

    private final HttpField field;

    public ServedByHandler(String nodeName, Handler handler) {
        super(handler);
        this.field = new PreEncodedHttpField(HEADER, nodeName);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        request.setAttribute(ATTRIBUTE, field);
        response.getHeaders().put(field);
        return super.handle(request, response, callback);
    }
}
