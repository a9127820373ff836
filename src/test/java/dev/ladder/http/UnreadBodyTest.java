package dev.ladder.http;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.fuzz.RawHttp;
import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer given before the request's body was read (413 for a body over the limit, 403 for a
 * foreign Origin) always reaches the client. A server that answers while the client is still
 * sending and then closes makes the kernel reset the connection, and the reset can take the answer
 * with it: the JDK's client then saw no response at all for about one refusal in thirteen. So what
 * is left of a body, up to BodyLimits.MAX_DISCARDED_BYTES, is read after the answer and the
 * connection kept (UnreadBodyHandler); only a larger body is answered at once, with
 * Connection: close.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnreadBodyTest {
    private static final String POST = "{\"body\":\"" + "x".repeat(70_000) + "\"}"; // over the 64 KiB default

    @TempDir
    static Path data;
    private TestApp app;
    private Api api;
    private String token;

    @BeforeAll
    void start() {
        // No rate limits: the reliability check below refuses hundreds of writes from one account.
        app = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_RATE_LIMITS_ENABLED", "false"));
        api = new Api(app.apiUri());
        token = api.signUpAndLogIn("oversized");
    }

    @AfterAll
    void stop() {
        app.close();
    }

    @Test
    void aRefusedBodyWithALengthIsReadAndTheConnectionServesTheNextRequest() throws Exception {
        try (RawHttp http = new RawHttp(app.apiUri().getHost(), app.apiUri().getPort())) {
            byte[] whole = request("Content-Length: " + POST.length(), POST.getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response refused = http.exchange(whole, false);
            RawHttp.Response next = http.exchange(get("/api/posts"), false);

            assertThat(refused.status()).isEqualTo(413);
            assertThat(refused.header("Content-Type")).isEqualTo(Problem.MEDIA_TYPE);
            assertThat(refused.bodyText()).contains("too-large");
            assertThat(refused.header("Connection")).isNull();
            assertThat(next.status()).isEqualTo(200);
            assertThat(http.connections()).isEqualTo(1);
        }
    }

    @Test
    void aRefusedChunkedBodyIsReadAndTheConnectionServesTheNextRequest() throws Exception {
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        byte[] body = POST.getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < body.length; at += 8192) {
            int size = Math.min(8192, body.length - at);
            chunked.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunked.write(body, at, size);
            chunked.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        chunked.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        try (RawHttp http = new RawHttp(app.apiUri().getHost(), app.apiUri().getPort())) {
            RawHttp.Response refused = http.exchange(request("Transfer-Encoding: chunked", chunked.toByteArray()), false);
            RawHttp.Response next = http.exchange(get("/api/posts"), false);

            assertThat(refused.status()).isEqualTo(413);
            assertThat(refused.bodyText()).contains("too-large");
            assertThat(next.status()).isEqualTo(200);
            assertThat(http.connections()).isEqualTo(1);
        }
    }

    @Test
    void aBodyDeclaredOverAMebibyteIsRefusedBeforeItIsSentAndTheConnectionClosed() throws Exception {
        try (RawHttp http = new RawHttp(app.apiUri().getHost(), app.apiUri().getPort())) {
            // Only the head goes out: the answer must not wait for the five megabytes.
            RawHttp.Response refused = http.exchange(request("Content-Length: 5000000", new byte[0]), false);

            assertThat(refused.status()).isEqualTo(413);
            assertThat(refused.bodyText()).contains("too-large");
            assertThat(refused.header("Connection")).isEqualToIgnoringCase("close");
        }
    }

    @Test
    void everyClientSeesEveryRefusal() {
        int answered = 0;
        for (int i = 0; i < 150; i++) {
            if (api.post("/api/posts", POST, bearer(token)).status() == 413) {
                answered++;
            }
            byte[] bytes = POST.getBytes(StandardCharsets.UTF_8);
            Api.Reply chunked = api.send(api.request("/api/posts")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token));
            if (chunked.status() == 413) {
                answered++;
            }
        }
        assertThat(answered).isEqualTo(300);
        // Under the limit, but refused before it is read: a change from another site's page.
        String unread = json(Map.of("body", "x".repeat(60_000)));
        for (int i = 0; i < 100; i++) {
            Api.Reply refused = api.post("/api/posts", unread, "Authorization", "Bearer " + token, "Origin", "https://evil.example");
            assertThat(refused.status()).isEqualTo(403);
        }
        assertThat(api.post("/api/posts", json(Map.of("body", "still writable")), bearer(token)).status()).isEqualTo(201);
    }

    private byte[] request(String framing, byte[] body) {
        String head = "POST /api/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, whole, 0, headBytes.length);
        System.arraycopy(body, 0, whole, headBytes.length, body.length);
        return whole;
    }

    private static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
