package dev.ladder.synthetic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * What a person does, from outside, against one address (the load balancer's): sign up, log in,
 * post, read the post back, delete it. Each step has a timeout, carries an X-Request-Id
 * (synthetic-RUN-STEP, so a failure leads to the node's log lines and the error report) and
 * prints one line with its status and time; the first failure ends the run. Cookies are kept
 * across steps, so a read after a write is served as fresh as the stage promises (read-your-writes
 * with replicas).
 */
public final class SyntheticCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final URI base;
    private final Duration timeout;
    private final PrintStream out;
    private final HttpClient client;
    private final String run;

    /** sslContext: whom to trust over HTTPS (null: the JVM's default trust store). */
    public SyntheticCheck(URI base, Duration timeout, SSLContext sslContext, PrintStream out) {
        this.base = base;
        this.timeout = timeout;
        this.out = out;
        HttpClient.Builder builder = HttpClient.newBuilder();
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.client = builder
                .connectTimeout(timeout)
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        byte[] bytes = new byte[5];
        RANDOM.nextBytes(bytes);
        this.run = HexFormat.of().formatHex(bytes);
    }

    /** A step that did not answer as it should. */
    static final class StepFailed extends Exception {
        StepFailed(String message) {
            super(message);
        }
    }

    /** Runs every step; true when all passed. */
    public boolean run() {
        long started = System.nanoTime();
        String handle = "synthetic_" + run;
        String password = "synthetic-" + run + "-" + secret();
        String body = "Synthetic check " + run + " at " + java.time.Instant.now();
        String step = "sign-up";
        try {
            step("sign-up", "POST", "/api/users", Map.of("handle", handle, "email", handle + "@synthetic.invalid", "password", password),
                    null, 201);
            step = "log-in";
            String token = step("log-in", "POST", "/api/sessions", Map.of("handle", handle, "password", password), null, 201)
                    .path("token").asText("");
            if (token.isEmpty()) {
                throw new StepFailed("no token in the answer");
            }
            step = "post";
            String id = step("post", "POST", "/api/posts", Map.of("body", body), token, 201).path("id").asText("");
            if (id.isEmpty()) {
                throw new StepFailed("no id in the answer");
            }
            step = "read";
            JsonNode read = step("read", "GET", "/api/posts/" + id, null, token, 200);
            if (!body.equals(read.path("body").asText()) || !handle.equals(read.path("author").asText())) {
                throw new StepFailed("read back a different post: " + abbreviate(read.toString()));
            }
            step = "delete";
            step("delete", "DELETE", "/api/posts/" + id, null, token, 204);
        } catch (StepFailed e) {
            out.printf("synthetic: FAIL at %s against %s after %d ms: %s%n", step, base, millisSince(started), e.getMessage());
            return false;
        }
        out.printf("synthetic: PASS against %s in %d ms (run %s)%n", base, millisSince(started), run);
        return true;
    }

    private JsonNode step(String name, String method, String path, Map<String, String> body, String token, int expected)
            throws StepFailed {
        String requestId = "synthetic-" + run + "-" + name;
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path.substring(1)))
                .timeout(timeout)
                .header("X-Request-Id", requestId)
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
        } catch (IOException e) {
            throw new StepFailed("cannot write the request: " + e.getMessage());
        }
        long started = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            out.printf("synthetic: %-7s FAIL no answer in %d ms (%s %s, request id %s): %s%n", name, millisSince(started), method, path,
                    requestId, e);
            throw new StepFailed("no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed("interrupted");
        }
        long millis = millisSince(started);
        if (response.statusCode() != expected) {
            out.printf("synthetic: %-7s FAIL %d in %d ms (%s %s, request id %s): %s%n", name, response.statusCode(), millis, method, path,
                    requestId, abbreviate(response.body()));
            throw new StepFailed("expected " + expected + ", got " + response.statusCode());
        }
        out.printf("synthetic: %-7s ok   %d in %d ms%n", name, response.statusCode(), millis);
        if (response.body().isEmpty()) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new StepFailed("the answer is not JSON: " + abbreviate(response.body()));
        }
    }

    private static String secret() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static String abbreviate(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
