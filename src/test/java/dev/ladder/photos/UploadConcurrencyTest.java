package dev.ladder.photos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Uploads are buffered in memory while checked, so a node takes only photos.maxConcurrentUploads at once. */
class UploadConcurrencyTest {
    @TempDir
    Path data;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anUploadBeyondTheConcurrencyLimitGets503WithRetryAfter() throws Exception {
        try (TestApp app = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_PHOTOS_MAX_CONCURRENT_UPLOADS", "1"))) {
            Api api = new Api(app.apiUri());
            String token = api.signUpAndLogIn("slowpoke");
            byte[] photo = SyntheticPhoto.png(64, 64, 5);

            // A client that sends its headers and the first bytes of its photo, then stalls, holding the one slot.
            try (Socket slow = new Socket(app.apiUri().getHost(), app.apiUri().getPort())) {
                OutputStream out = slow.getOutputStream();
                out.write(("POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: image/png\r\nContent-Length: " + photo.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(photo, 0, 100);
                out.flush();

                Reply busy = null;
                for (int tries = 0; tries < 20 && busy == null; tries++) {
                    Thread.sleep(100); // until the stalled upload has reached the server and taken the slot
                    Reply reply = api.sendBytes("POST", "/api/photos", photo, "image/png", Api.bearer(token));
                    if (reply.status() == 503) {
                        busy = reply;
                    }
                }
                assertThat(busy).as("an upload refused while the stalled one holds the slot").isNotNull();
                assertThat(busy.json().get("type").asText()).isEqualTo("/problems/busy");
                assertThat(busy.header("Retry-After")).isEqualTo("1");

                out.write(photo, 100, photo.length - 100);
                out.flush();
                InputStream in = slow.getInputStream();
                assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 202");
            }
            assertThat(api.sendBytes("POST", "/api/photos", photo, "image/png", Api.bearer(token)).status()).isEqualTo(202);
        }
    }
}
