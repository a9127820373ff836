package dev.ladder.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An RFC 9457 problem document: what every error response carries. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String requestId) {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "/problems/";

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(TYPE_PREFIX + slug, title, status, detail, RequestIds.current());
    }
}
