package dev.ladder.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Remembers the headers of every HTTP request the AWS SDK sends in the test JVM, by path, so tests
 * can see what went over the wire (that every put asked for encryption, say) even where the
 * S3-compatible server does not report it back. Registered through the SDK's own global
 * interceptor list (test resources); it only looks, it changes nothing.
 */
public final class SentRequests implements ExecutionInterceptor {
    private static final Map<String, Map<String, List<String>>> HEADERS_BY_PATH = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        HEADERS_BY_PATH.put(request.method() + " " + request.encodedPath(), request.headers());
        if (HEADERS_BY_PATH.size() > 10_000) {
            HEADERS_BY_PATH.clear(); // bounded: tests only ask about their latest requests
        }
    }

    /** The value of a header on the last request with this method and path ("PUT /bucket/key"). */
    public static Optional<String> header(String methodAndPath, String name) {
        Map<String, List<String>> headers = HEADERS_BY_PATH.get(methodAndPath);
        if (headers == null) {
            return Optional.empty();
        }
        return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .flatMap(entry -> entry.getValue().stream()).findFirst();
    }
}
