package dev.ladder.http;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/** Request ids: taken from X-Request-Id when sane, made up otherwise; kept in the logging MDC. */
public final class RequestIds {
    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private RequestIds() {
    }

    public static String accept(String fromClient) {
        if (fromClient != null && SANE.matcher(fromClient).matches()) {
            return fromClient;
        }
        return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    public static String current() {
        return MDC.get(MDC_KEY);
    }
}
