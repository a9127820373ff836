package dev.ladder.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.SentRequests;
import dev.ladder.testing.TestApp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The ObjectStore contract on S3: s3proxy in this JVM, reached by the real AWS SDK v2 client. */
class S3ObjectStoreTest extends ObjectStoreContract {
    private S3Server s3;
    private String bucket;

    @Override
    protected ObjectStore open() {
        s3 = S3Server.start();
        bucket = s3.createBucket();
        return S3ObjectStore.open(storageConfig(""), Clock.systemUTC());
    }

    private Config.Storage storageConfig(String publicBaseUrl) {
        Map<String, String> env = new HashMap<>(s3.storageOverrides(bucket));
        env.put("LADDER_STORAGE_PUBLIC_BASE_URL", publicBaseUrl);
        return TestApp.config("embedded", env).storage();
    }

    @Override
    protected URI absolute(URI readUrl) {
        assertThat(readUrl.toString()).startsWith(s3.endpoint() + "/" + bucket + "/").contains("X-Amz-Signature=");
        return readUrl;
    }

    @AfterAll
    void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void everyPutAsksForServerSideEncryptionAndSetsTypeAndCaching() {
        ObjectKey key = ObjectKey.of("photos", unique() + ".png");
        store.put(key, bytes(10));

        HeadObjectResponse head = s3.client().headObject(request -> request.bucket(bucket).key(key.value()));
        assertThat(head.contentType()).isEqualTo("image/png");
        assertThat(head.cacheControl()).isEqualTo(ObjectStore.IMMUTABLE);
        // s3proxy does not keep encryption settings, so look at what went over the wire.
        assertThat(SentRequests.header("PUT /" + bucket + "/" + key.value(), "x-amz-server-side-encryption")).contains("AES256");
    }

    @Test
    void aPresignedUrlDoesNotWorkOnceTamperedWith() throws Exception {
        ObjectKey key = ObjectKey.of("thumbs", unique() + ".jpg");
        store.put(key, bytes(10));
        URI other = URI.create(store.readUrl(key).toString().replace(key.value(), "thumbs/other.jpg"));

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(other).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(403);
    }

    @Test
    void withACdnInFrontReadUrlsArePlainAndStable() {
        try (S3ObjectStore behindCdn = S3ObjectStore.open(storageConfig("https://cdn.example.com/"), Clock.systemUTC())) {
            ObjectKey key = new ObjectKey("thumbs/1.jpg");
            assertThat(behindCdn.readUrl(key)).hasToString("https://cdn.example.com/thumbs/1.jpg");
            assertThat(behindCdn.publicBase()).isEqualTo("https://cdn.example.com");
        }
    }

    @Test
    void aPresignedPutTakesExactlyTheAnnouncedUploadStraightIntoTheBucket() throws Exception {
        ObjectKey key = ObjectKey.of("photos", unique() + ".jpg");
        byte[] content = bytes(5000);
        ObjectStore.DirectUpload upload = store.directUpload(key, "image/jpeg", content.length).orElseThrow();

        assertThat(upload.method()).isEqualTo("PUT");
        assertThat(upload.headers()).containsEntry("content-type", "image/jpeg").containsEntry("x-amz-server-side-encryption", "AES256");

        HttpResponse<String> wrongSize = put(upload, bytes(4000));
        assertThat(wrongSize.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(store.size(key)).isEmpty();

        HttpResponse<String> response = put(upload, content);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(store.get(key, 5000)).hasValueSatisfying(stored -> assertThat(stored).isEqualTo(content));
    }

    private HttpResponse<String> put(ObjectStore.DirectUpload upload, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(upload.url()).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        upload.headers().forEach((name, value) -> {
            if (!name.equals("content-length")) { // the HTTP client sets it from the body
                request.header(name, value);
            }
        });
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
