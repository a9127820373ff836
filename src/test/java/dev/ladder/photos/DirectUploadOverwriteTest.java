package dev.ladder.photos;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.TestApp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A confirmed direct upload is write-once: PUTting other bytes to the presigned URL afterwards
 * (it stays valid for its whole TTL) must not change the photo that was checked and is served.
 * Against a real S3-compatible server (s3proxy) through the real SDK.
 */
class DirectUploadOverwriteTest {
    @TempDir
    Path data;

    @Test
    void bytesPutAfterConfirmationDoNotReplaceTheCheckedPhoto() throws Exception {
        try (S3Server s3 = S3Server.start()) {
            String bucket = s3.createBucket();
            Map<String, String> env = new HashMap<>(s3.storageOverrides(bucket));
            env.put("LADDER_DATA_DIR", data.toString());
            try (TestApp app = TestApp.start("embedded", env)) {
                Api api = new Api(app.apiUri());
                String token = api.signUpAndLogIn("overwriter");
                byte[] checked = SyntheticPhoto.jpeg(320, 240, 3);
                Reply ticket = api.post("/api/photos/uploads", json(Map.of("contentType", "image/jpeg", "bytes", checked.length)), bearer(token));
                assertThat(ticket.status()).as(ticket.body()).isEqualTo(201);
                assertThat(putTo(api, ticket.json(), checked)).isEqualTo(200);
                Reply confirmed = api.post(ticket.text("confirmUrl"), "", bearer(token));
                assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(202);
                byte[] served = api.download(api.get("/api/photos/" + confirmed.text("id"), bearer(token)).text("url")).body();

                // Same length, any content: a presigned PUT checks nothing else.
                byte[] poison = new byte[checked.length];
                java.util.Arrays.fill(poison, (byte) 'X');
                putTo(api, ticket.json(), poison);

                byte[] after = api.download(api.get("/api/photos/" + confirmed.text("id"), bearer(token)).text("url")).body();
                assertThat(sha256(after)).as("the photo served after a second PUT").isEqualTo(sha256(served));
                assertThat(PhotoApiContract.decode(after).getWidth()).isEqualTo(320);
            }
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static int putTo(Api api, JsonNode ticket, byte[] body) {
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(ticket.get("uploadUrl").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        ticket.get("headers").properties().forEach(header -> {
            if (!header.getKey().equals("content-length")) {
                put.header(header.getKey(), header.getValue().asText());
            }
        });
        return api.send(put).status();
    }
}
