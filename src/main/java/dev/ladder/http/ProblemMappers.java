package dev.ladder.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ladder.db.SqlErrors;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error path: every failure leaves as application/problem+json. Client errors are not
 * logged as errors; anything unexpected becomes a terse 500 whose request id is in the log.
 */
public final class ProblemMappers {
    private static final Logger log = LoggerFactory.getLogger(ProblemMappers.class);

    private ProblemMappers() {
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    public static final class Api implements ExceptionMapper<ApiException> {
        @Override
        public Response toResponse(ApiException exception) {
            Response response = respond(exception.problem());
            if (exception.retryAfterSeconds() > 0) { // busy, rate-limited or a dependency down: tell clients when to come back
                return Response.fromResponse(response).header("Retry-After", Long.toString(exception.retryAfterSeconds())).build();
            }
            return response;
        }
    }

    /** Jersey's own failures (no such route, wrong method, wrong media type, bad parameter). */
    public static final class Jaxrs implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException exception) {
            Response original = exception.getResponse();
            int status = original.getStatus();
            if (exception.getCause() instanceof ApiException api) {
                return respond(api.problem());
            }
            Problem problem = switch (status) {
                case 404 -> Problem.of(404, "not-found", "Not found", "no such resource");
                case 405 -> Problem.of(405, "method-not-allowed", "Method not allowed",
                        "allowed: " + String.join(", ", original.getAllowedMethods()));
                case 406 -> Problem.of(406, "not-acceptable", "Not acceptable", "this resource answers application/json");
                case 415 -> Problem.of(415, "unsupported-media-type", "Unsupported media type",
                        "send the body as application/json");
                case 400 -> Problem.of(400, "bad-request", "Bad request", "a parameter or header is not valid");
                default -> status >= 500
                        ? serverError(exception)
                        : Problem.of(status, "http-" + status, original.getStatusInfo().getReasonPhrase(), null);
            };
            Response.ResponseBuilder builder = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
            if (status == 405) {
                builder.header(HttpHeaders.ALLOW, original.getAllowedMethods().stream().collect(Collectors.joining(",")));
            }
            return builder.build();
        }
    }

    /**
     * The safety net for errors Jersey answers itself, outside the mappers: a 400 for an Accept
     * header it cannot parse left with no body at all. Every error gets its problem document.
     */
    public static final class EmptyErrors implements ContainerResponseFilter {
        @Override
        public void filter(ContainerRequestContext request, ContainerResponseContext response) {
            int status = response.getStatus();
            if (status < 400 || response.hasEntity()) {
                return;
            }
            Problem problem = switch (status) {
                case 400 -> Problem.of(400, "bad-request", "Bad request", "a parameter or header is not valid");
                case 404 -> Problem.of(404, "not-found", "Not found", "no such resource");
                case 406 -> Problem.of(406, "not-acceptable", "Not acceptable", "this resource answers application/json");
                case 415 -> Problem.of(415, "unsupported-media-type", "Unsupported media type", "send the body as application/json");
                default -> Problem.of(status, "http-" + status, response.getStatusInfo().getReasonPhrase(), null);
            };
            response.setEntity(problem, null, jakarta.ws.rs.core.MediaType.valueOf(Problem.MEDIA_TYPE));
        }
    }

    /** Bodies that are not JSON, not UTF-8, or of the wrong shape. */
    public static final class Json implements ExceptionMapper<JsonProcessingException> {
        @Override
        public Response toResponse(JsonProcessingException exception) {
            // Our own refusals raised while Jackson was reading (the body limit) come wrapped.
            for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof ApiException api) {
                    return respond(api.problem());
                }
            }
            // Bad bytes inside a field's value surface wrapped in a mapping error: the syntax error wins.
            for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
                if (cause instanceof JsonParseException || cause instanceof JsonEOFException) {
                    return respond(Problem.of(400, "malformed-json", "Malformed JSON",
                            "the body is not valid JSON in UTF-8: " + ((JsonProcessingException) cause).getOriginalMessage()));
                }
            }
            if (exception instanceof UnrecognizedPropertyException unknown) {
                return respond(Problem.of(400, "invalid-json", "Unexpected field",
                        "unknown field \"" + unknown.getPropertyName() + "\""));
            }
            if (exception instanceof JsonMappingException mapping) {
                String field = mapping.getPath().stream()
                        .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                        .collect(Collectors.joining("."));
                return respond(Problem.of(400, "invalid-json", "Wrong JSON shape",
                        field.isEmpty() ? "the body has the wrong shape" : "field \"" + field + "\" has the wrong type"));
            }
            return respond(Problem.of(400, "malformed-json", "Malformed JSON", "the body could not be read as JSON"));
        }
    }

    /** Everything else: the database being unavailable is a 503, the rest a 500 with its id logged. */
    public static final class Unexpected implements ExceptionMapper<Throwable> {
        @Override
        public Response toResponse(Throwable exception) {
            if (SqlErrors.isUnavailable(exception)) {
                log.warn("Database unavailable: {}", exception.toString());
                return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", "1")
                        .entity(Problem.of(503, "unavailable", "Service unavailable",
                                "the database could not be reached in time; retry shortly"))
                        .build();
            }
            if (isNodeIdUnavailable(exception)) {
                log.warn("No node id to write with: {}", exception.getMessage());
                return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", "1")
                        .entity(Problem.of(503, "unavailable", "Service unavailable",
                                "this node cannot make ids right now (its node id lease is not held); retry shortly"))
                        .build();
            }
            if (isUnparsableHeader(exception)) {
                return respond(Problem.of(400, "bad-request", "Bad request", "a request header could not be parsed"));
            }
            if (isBodyCutOff(exception)) {
                log.info("Request body cut off: {}", exception.toString());
                return respond(Problem.of(408, "request-timeout", "Request body incomplete",
                        "the body did not arrive in full, or arrived slower than this server accepts"));
            }
            return respond(serverError(exception));
        }
    }

    /** The node's id lease is not held (dev.ladder.ids.NodeIdLease): nothing was written, a retry may reach a node that has one. */
    private static boolean isNodeIdUnavailable(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof dev.ladder.ids.NodeIdUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Jersey could not parse a header the client sent (non-ASCII in Accept or a Content-Type
     * parameter, an If-None-Match that is no entity tag): the client's mistake, a 400.
     */
    private static boolean isUnparsableHeader(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.glassfish.jersey.message.internal.HeaderValueException header
                    && header.getContext() == org.glassfish.jersey.message.internal.HeaderValueException.Context.INBOUND) {
                return true;
            }
        }
        return false;
    }

    /** Reading the body failed: too slow for MinimumDataRateHandler, or the client went away. The client's doing, not ours. */
    private static boolean isBodyCutOff(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.util.concurrent.TimeoutException || cause instanceof org.eclipse.jetty.io.EofException) {
                return true;
            }
        }
        return false;
    }

    private static Problem serverError(Throwable exception) {
        log.error("Unhandled error", exception);
        return Problem.of(500, "internal", "Internal server error",
                "something went wrong on our side; quote the request id when reporting it");
    }
}
