package dev.ladder.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.Main;
import dev.ladder.photos.SyntheticPhoto;
import dev.ladder.testing.Api;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.SentRequests;
import dev.ladder.testing.TestApp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Encryption at rest in S3: every object the application stores — a photo's original, its
 * thumbnail, the published static assets, a direct upload's staging object — is written with
 * server-side encryption (AES256, the default of storage.s3.serverSideEncryption).
 *
 * <p>What the S3-compatible server can tell: s3proxy 2.6.0 implements no server-side encryption.
 * Its HeadObject never reports x-amz-server-side-encryption and its blob store keeps no record of
 * it (with ignoreUnknownHeaders it drops the header; without, it refuses such a PUT with 501). So
 * the test lists what the server holds and checks, object by object, that the write which put it
 * there asked for encryption: the AWS SDK's request (recorded by {@link SentRequests}) for what the
 * application writes, and the signed headers of the presigned PUT for what a client uploads
 * directly — signed, so real S3 refuses that PUT without the encryption header. Where HeadObject
 * does report encryption (real S3), it must say AES256.
 */
class S3EncryptionAtRestTest {
    private static final String SSE = "x-amz-server-side-encryption";

    @TempDir
    Path temp;

    @Test
    void everyObjectTheApplicationStoresIsWrittenWithServerSideEncryption() throws Exception {
        try (S3Server s3 = S3Server.start()) {
            String bucket = s3.createBucket();
            publishStatic(s3, bucket);
            Map<String, String> env = new HashMap<>(s3.storageOverrides(bucket));
            env.put("LADDER_DATA_DIR", temp.resolve("data").toString());
            Set<String> directlyUploaded = new TreeSet<>();
            try (TestApp app = TestApp.start("embedded", env)) {
                Api api = new Api(app.apiUri());
                String token = api.signUpAndLogIn("enc");
                // Through the API: the original now, the thumbnail from the worker.
                Api.Reply uploaded = api.sendBytes("POST", "/api/photos", SyntheticPhoto.png(64, 48, 7), "image/png", Api.bearer(token));
                assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        "ready".equals(api.get("/api/photos/" + uploaded.text("id"), Api.bearer(token)).text("status")));

                // Directly: the client's PUT lands on a staging key; confirmation writes the photo's own key.
                byte[] photo = SyntheticPhoto.png(40, 30, 8);
                Api.Reply ticket = api.post("/api/photos/uploads",
                        Api.json(Map.of("contentType", "image/png", "bytes", photo.length)), Api.bearer(token));
                assertThat(ticket.status()).as(ticket.body()).isEqualTo(201);
                JsonNode headers = ticket.json().get("headers");
                assertThat(headers.path(SSE).asText()).as("the presigned PUT's headers").isEqualTo("AES256");
                String uploadUrl = ticket.text("uploadUrl");
                assertThat(signedHeaders(uploadUrl)).as("signed into the URL, so S3 refuses the PUT without it").contains(SSE);
                assertThat(put(api, uploadUrl, headers, photo)).isEqualTo(200);
                String stagingKey = URI.create(uploadUrl).getPath().substring(("/" + bucket + "/").length());
                assertThat(listKeys(s3, bucket)).contains(stagingKey);
                directlyUploaded.add(stagingKey);
                Api.Reply confirmed = api.post(ticket.text("confirmUrl"), "", Api.bearer(token));
                assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(202);
            }

            Set<String> keys = new TreeSet<>(listKeys(s3, bucket));
            keys.addAll(directlyUploaded); // deleted after confirmation, but it was stored for a while
            assertThat(keys).as("objects of every kind were stored").anyMatch(key -> key.startsWith("photos/"))
                    .anyMatch(key -> key.startsWith("thumbs/")).anyMatch(key -> key.startsWith("static/"))
                    .anyMatch(key -> key.startsWith("uploads/"));
            for (String key : keys) {
                if (directlyUploaded.contains(key)) {
                    continue; // checked above: the encryption header is signed into its PUT
                }
                assertThat(SentRequests.header("PUT /" + bucket + "/" + key, SSE)).as("the PUT that stored %s", key).contains("AES256");
                HeadObjectResponse head = s3.client().headObject(request -> request.bucket(bucket).key(key));
                if (head.serverSideEncryption() != null) { // real S3 reports it; s3proxy does not
                    assertThat(head.serverSideEncryptionAsString()).isEqualTo("AES256");
                }
            }
        }
    }

    private void publishStatic(S3Server s3, String bucket) throws Exception {
        Path profile = Files.writeString(temp.resolve("s3.yml"), """
                extends: embedded
                data:
                  dir: "%s"
                storage:
                  kind: s3
                  s3:
                    bucket: %s
                    endpoint: "%s"
                    pathStyle: true
                    accessKeyId: %s
                    secretAccessKey: %s
                """.formatted(temp.resolve("publish"), bucket, s3.endpoint(), S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
        StringWriter out = new StringWriter();
        var command = Main.commandLine();
        command.setOut(new PrintWriter(out));
        assertThat(command.execute("--config", profile.toString(), "publish-static")).as(out.toString()).isZero();
    }

    private static Set<String> listKeys(S3Server s3, String bucket) {
        Set<String> keys = new TreeSet<>();
        s3.client().listObjectsV2Paginator(request -> request.bucket(bucket)).contents().stream().map(S3Object::key).forEach(keys::add);
        return keys;
    }

    private static Set<String> signedHeaders(String url) {
        for (String parameter : URI.create(url).getRawQuery().split("&")) {
            if (parameter.startsWith("X-Amz-SignedHeaders=")) {
                return Set.of(URLDecoder.decode(parameter.substring("X-Amz-SignedHeaders=".length()), StandardCharsets.UTF_8).split(";"));
            }
        }
        return Set.of();
    }

    private static int put(Api api, String url, JsonNode headers, byte[] body) {
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.properties().forEach(header -> {
            if (!header.getKey().equalsIgnoreCase("content-length") && !header.getKey().equalsIgnoreCase("host")) {
                put.header(header.getKey(), header.getValue().asText());
            }
        });
        return api.send(put).status();
    }
}
