package dev.ladder.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Errors Jetty answers itself — a missing static file, a malformed request line, headers too
 * large — leave in the same problem+json shape as the API's, never as an HTML page or a trace.
 */
public final class ProblemErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = Json.mapper();
    private static final Logger log = LoggerFactory.getLogger(ProblemErrorHandler.class);

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        // An error resets the response's headers: the node's name goes back on (X-Served-By).
        if (request.getAttribute(ServedByHandler.ATTRIBUTE) instanceof HttpField servedBy) {
            response.getHeaders().put(servedBy);
        }
        // Jetty answers a successful revalidation (304 Not Modified) through the error handler too: no body, no error.
        if (request.getAttribute(ERROR_STATUS) instanceof Integer notAnError && notAnError < 400) {
            response.setStatus(notAnError);
            response.write(true, ByteBuffer.allocate(0), callback);
            return true;
        }
        int status = response.getStatus() >= 400 ? response.getStatus() : 500;
        if (request.getAttribute(ERROR_STATUS) instanceof Integer errorStatus && errorStatus >= 400) {
            status = errorStatus;
        }
        // Jetty takes a request line without "HTTP/1.x" (a CR or LF in the path ends it early) for HTTP/0.9 and
        // answers 505; for a server that speaks only HTTP/1.1 that is a malformed request, the client's error.
        if (status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) {
            status = HttpStatus.BAD_REQUEST_400;
        }
        // A failure below Jersey (a handler that threw): logged as an error with its request id, so it is
        // reported like the API's own unhandled errors (ProblemMappers); Jetty alone logs it at WARN.
        if (status >= 500 && request.getAttribute(ERROR_EXCEPTION) instanceof Throwable failure) {
            logUnhandled(request, failure);
        }
        String reason = HttpStatus.getMessage(status);
        String slug = switch (status) {
            case 404 -> "not-found";
            case 413 -> "too-large";
            case 500 -> "internal";
            default -> "http-" + status;
        };
        String detail = status == 404 ? "no such resource" : status >= 500 ? "something went wrong on our side" : reason;
        byte[] body = JSON.writeValueAsBytes(Problem.of(status, slug, reason, detail));
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private static void logUnhandled(Request request, Throwable failure) {
        boolean putId = MDC.get(RequestIds.MDC_KEY) == null && request.getAttribute(RequestIdHandler.ATTRIBUTE) instanceof String;
        if (putId) {
            MDC.put(RequestIds.MDC_KEY, (String) request.getAttribute(RequestIdHandler.ATTRIBUTE));
        }
        try {
            log.error("Unhandled error", failure);
        } finally {
            if (putId) {
                MDC.remove(RequestIds.MDC_KEY);
            }
        }
    }
}
