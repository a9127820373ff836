package dev.ladder.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small HTTP client for tests: real requests over loopback, JSON in and out. */
public final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final URI base;

    public Api(URI base) {
        this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).cookieHandler(replicationPositionCookies()).build());
    }

    /** An API at base reached through this client (an https load balancer: a client trusting its CA). */
    public Api(URI base, HttpClient client) {
        this.base = base;
        this.client = client;
    }

    /** A client whose connections come from this local address (127.0.0.2, say: another client to the server). */
    public Api(URI base, java.net.InetAddress localAddress) {
        this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).localAddress(localAddress)
                .cookieHandler(replicationPositionCookies()).build());
    }

    /**
     * A cookie jar that keeps only the replication position a write hands back (ladder_gtid, with
     * read replicas), as a browser would, so this client's reads after its writes see them on any
     * node. Every other cookie is dropped, the session's included: tests say how they authenticate.
     */
    public static java.net.CookieHandler replicationPositionCookies() {
        return new java.net.CookieManager(null, (uri, cookie) -> "ladder_gtid".equals(cookie.getName()));
    }

    public URI base() {
        return base;
    }

    public record Reply(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The Set-Cookie header that sets the cookie called name (a response may set several), or null. */
        public String setCookie(String name) {
            return headers.allValues("Set-Cookie").stream().filter(cookie -> cookie.startsWith(name + "=")).findFirst().orElse(null);
        }

        public String text(String field) {
            JsonNode node = json().get(field);
            return node == null || node.isNull() ? null : node.asText();
        }
    }

    public static String json(Map<String, ?> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    }

    public Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Reply get(String path, String... headers) {
        HttpRequest.Builder request = request(path).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    public Reply sendJson(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = request(path)
                .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    public Reply post(String path, String body, String... headers) {
        return sendJson("POST", path, body, headers);
    }

    public Reply delete(String path, String... headers) {
        HttpRequest.Builder request = request(path).DELETE();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /**
     * Sends raw bytes (an image upload, say); a null contentType sends no Content-Type header.
     * With Expect: 100-continue, as curl and browsers send large bodies: a refusal (413) arrives
     * before the body is written, instead of racing the server's close as a broken pipe.
     */
    public Reply sendBytes(String method, String path, byte[] body, String contentType, String... headers) {
        HttpRequest.Builder request = request(path).expectContinue(true).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A binary response: status, headers and body bytes. */
    public record Download(int status, java.net.http.HttpHeaders headers, byte[] body) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** GETs a URL as a browser would follow it: relative to this API's base, or absolute (a CDN, S3). */
    public Download download(String url) {
        try {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(base.resolve(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Download(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Signs a user up (password "password123") and returns a bearer token for them. */
    public String signUpAndLogIn(String handle) {
        Reply created = post("/api/users", json(Map.of("handle", handle, "email", handle + "@example.com", "password", "password123")));
        if (created.status() != 201) {
            throw new IllegalStateException("sign-up failed: " + created);
        }
        Reply session = post("/api/sessions", json(Map.of("handle", handle, "password", "password123")));
        if (session.status() != 201) {
            throw new IllegalStateException("log-in failed: " + session);
        }
        return session.text("token");
    }

    public static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }
}
