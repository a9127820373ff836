package dev.ladder.photos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that trickles its body (a byte a second, never idle long enough for the idle timeout)
 * is cut off by the minimum data rate, and cannot hold the node's upload slots meanwhile.
 */
class SlowBodyTest {
    @TempDir
    Path data;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aTricklingUploadIsCutOffAndCannotHoldTheUploadSlot() throws Exception {
        try (TestApp app = TestApp.start("embedded", Map.of(
                "LADDER_DATA_DIR", data.toString(),
                "LADDER_PHOTOS_MAX_CONCURRENT_UPLOADS", "1"))) {
            Api api = new Api(app.apiUri());
            String token = api.signUpAndLogIn("trickler");
            byte[] photo = SyntheticPhoto.png(64, 64, 5);

            AtomicBoolean cutOff = new AtomicBoolean();
            StringBuilder answer = new StringBuilder();
            try (Socket slow = new Socket(app.apiUri().getHost(), app.apiUri().getPort())) {
                slow.setSoTimeout(60_000);
                OutputStream out = slow.getOutputStream();
                out.write(("POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: image/png\r\nContent-Length: " + photo.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread trickle = Thread.ofPlatform().name("trickle").start(() -> {
                    try {
                        for (int i = 0; i < 45; i++) {
                            out.write(photo[i]);
                            out.flush();
                            Thread.sleep(1000);
                        }
                    } catch (IOException | InterruptedException e) {
                        cutOff.set(true); // the server closed the connection
                    }
                });
                Thread reader = Thread.ofPlatform().name("read-answer").start(() -> {
                    try (InputStream in = slow.getInputStream()) {
                        answer.append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                        cutOff.set(true);
                    } catch (IOException e) {
                        cutOff.set(true);
                    }
                });

                // Uploads keep working while the trickler is connected...
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(api.sendBytes("POST", "/api/photos", photo, "image/png", Api.bearer(token)).status()).isEqualTo(202));
                // ...and the trickler is cut off long before it would have finished (45 s).
                await().atMost(Duration.ofSeconds(30)).untilTrue(cutOff);
                trickle.interrupt();
                trickle.join();
                reader.join(10_000);
            }
            assertThat(answer.toString()).doesNotStartWith("HTTP/1.1 202");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTrickledJsonBodyIsCutOffWithA408ProblemNotA500() throws Exception {
        try (TestApp app = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString()))) {
            String token = new Api(app.apiUri()).signUpAndLogIn("slowjson");
            byte[] body = "{\"body\":\"a post that arrives one byte a second\"}".getBytes(StandardCharsets.UTF_8);
            try (Socket slow = new Socket(app.apiUri().getHost(), app.apiUri().getPort())) {
                slow.setSoTimeout(30_000);
                OutputStream out = slow.getOutputStream();
                out.write(("POST /api/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                Thread trickle = Thread.ofPlatform().name("trickle-json").start(() -> {
                    try {
                        for (byte b : body) {
                            out.write(b);
                            out.flush();
                            Thread.sleep(1000);
                        }
                    } catch (IOException | InterruptedException e) {
                        // cut off
                    }
                });
                String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                trickle.interrupt();
                trickle.join();
                assertThat(answer).startsWith("HTTP/1.1 408").contains("application/problem+json").contains("/problems/request-timeout");
            }
            assertThat(new Api(app.apiUri()).get("/api/users/slowjson/posts").json().get("items")).isEmpty();
        }
    }
}
