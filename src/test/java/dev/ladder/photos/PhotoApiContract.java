package dev.ladder.photos;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.assertProblem;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Download;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The photo pipeline end to end against a real node: upload, queue, worker, object store, and
 * reading the results back by URL. Run on the embedded profile (H2, local disk, database queue)
 * and on users-plus (MariaDB, S3 via s3proxy, SQS via ElasticMQ). Subclasses start the node and
 * say how to look inside its object store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PhotoApiContract {
    static final Duration PATIENCE = Duration.ofSeconds(30);
    protected TestApp app;
    protected Api api;

    protected abstract TestApp startApp() throws Exception;

    /** The keys the node's object store holds under a prefix ("photos/"). */
    protected abstract List<String> storedKeys(String prefix);

    /** Whether the store takes presigned direct uploads (S3 does, local disk does not). */
    protected abstract boolean supportsDirectUpload();

    /** Settings that keep the pipeline quick in tests: fast retries, short waits. */
    protected static Map<String, String> quickQueue() {
        return Map.of(
                "LADDER_QUEUE_MAX_ATTEMPTS", "2",
                "LADDER_QUEUE_RETRY_BACKOFF", "100ms",
                "LADDER_QUEUE_MAX_RETRY_BACKOFF", "200ms",
                "LADDER_QUEUE_RECEIVE_WAIT", "1s",
                "LADDER_QUEUE_DATABASE_POLL_INTERVAL", "100ms");
    }

    @BeforeAll
    void startNode() throws Exception {
        app = startApp();
        api = new Api(app.apiUri());
    }

    @AfterAll
    void stopNode() {
        if (app != null) {
            app.close();
        }
    }

    Reply upload(String token, byte[] image, String contentType) {
        return api.sendBytes("POST", "/api/photos", image, contentType, bearer(token));
    }

    /** Polls the photo, as its owner, until it is no longer pending (or patience runs out). */
    JsonNode awaitProcessed(String id, String ownerToken) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Reply reply = api.get("/api/photos/" + id, bearer(ownerToken));
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            JsonNode photo = reply.json();
            if (!photo.get("status").asText().equals("pending")) {
                return photo;
            }
            assertThat(System.nanoTime()).as("photo %s processed within %s", id, PATIENCE).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static BufferedImage decode(byte[] bytes) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(image).as("a decodable image").isNotNull();
        return image;
    }

    /** How many photos the user has, as the user sees them (others see only published ones). */
    int photosOf(String handle, String token) {
        Reply page = api.get("/api/users/" + handle + "/photos?limit=100", bearer(token));
        assertThat(page.status()).isEqualTo(200);
        return page.json().get("items").size();
    }

    @Nested
    class Uploading {
        @Test
        void aJpegIsAcceptedThenGetsA256PixelThumbnailReadableByUrl() throws Exception {
            String handle = uniqueHandle("pia");
            String token = api.signUpAndLogIn(handle);
            byte[] jpeg = SyntheticPhoto.jpeg(1200, 900, 11);

            Reply reply = upload(token, jpeg, "image/jpeg");

            assertThat(reply.status()).as(reply.body()).isEqualTo(202);
            String id = reply.text("id");
            assertThat(reply.header("Location")).isEqualTo("/api/photos/" + id);
            assertThat(reply.text("status")).isIn("pending", "ready");
            assertThat(reply.text("owner")).isEqualTo(handle);

            JsonNode photo = awaitProcessed(id, token);
            assertThat(photo.get("status").asText()).isEqualTo("ready");
            assertThat(photo.get("contentType").asText()).isEqualTo("image/jpeg");
            assertThat(photo.get("width").asInt()).isEqualTo(1200);
            assertThat(photo.get("height").asInt()).isEqualTo(900);

            Download thumbnail = api.download(photo.get("thumbnailUrl").asText());
            assertThat(thumbnail.status()).isEqualTo(200);
            assertThat(thumbnail.header("Content-Type")).startsWith("image/jpeg");
            BufferedImage image = decode(thumbnail.body());
            assertThat(image.getWidth()).isEqualTo(256);
            assertThat(image.getHeight()).isEqualTo(192);
            assertThat(photo.get("thumbnailWidth").asInt()).isEqualTo(256);

            Download original = api.download(photo.get("url").asText());
            assertThat(original.status()).isEqualTo(200);
            assertThat(original.body()).isEqualTo(jpeg);
        }

        @Test
        void aPngKeepsItsFormatAndAspect() throws Exception {
            String token = api.signUpAndLogIn(uniqueHandle("pam"));

            Reply reply = upload(token, SyntheticPhoto.png(300, 600, 12), "image/png");

            assertThat(reply.status()).as(reply.body()).isEqualTo(202);
            JsonNode photo = awaitProcessed(reply.text("id"), token);
            Download thumbnail = api.download(photo.get("thumbnailUrl").asText());
            assertThat(thumbnail.header("Content-Type")).startsWith("image/png");
            BufferedImage image = decode(thumbnail.body());
            assertThat(image.getWidth()).isEqualTo(128);
            assertThat(image.getHeight()).isEqualTo(256);
        }

        @Test
        void anImageThatCannotBeDecodedEndsFailedWithoutAThumbnail() throws Exception {
            String token = api.signUpAndLogIn(uniqueHandle("fay"));
            // Exactly 40 megapixels, so it is accepted, but the file has no pixel data at all.
            Reply reply = upload(token, Fixtures.pngHeaderOnly(8000, 5000), "image/png");

            assertThat(reply.status()).as(reply.body()).isEqualTo(202);
            JsonNode photo = awaitProcessed(reply.text("id"), token);
            assertThat(photo.get("status").asText()).isEqualTo("failed");
            assertThat(photo.get("thumbnailUrl").isNull()).isTrue();
        }

        @Test
        void listsAUsersPhotosNewestFirstInPages() {
            String handle = uniqueHandle("lou");
            String token = api.signUpAndLogIn(handle);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(upload(token, SyntheticPhoto.png(40, 30, 20 + i), "image/png").text("id"));
            }

            Reply first = api.get("/api/users/" + handle + "/photos?limit=2", bearer(token));
            Reply second = api.get("/api/users/" + handle + "/photos?limit=2&before=" + first.text("next"), bearer(token));

            assertThat(first.json().get("items")).extracting(item -> item.get("id").asText()).containsExactly(ids.get(2), ids.get(1));
            assertThat(second.json().get("items")).extracting(item -> item.get("id").asText()).containsExactly(ids.get(0));
            assertThat(second.json().get("next").isNull()).isTrue();
            assertProblem(api.get("/api/users/" + uniqueHandle("nobody") + "/photos"), 404, "not-found");
            assertProblem(api.get("/api/users/" + handle + "/photos?limit=0"), 400, "validation");
        }
    }

    @Nested
    class Refusing {
        @Test
        void anUploadOverTheLimitIs413AndNothingIsStored() {
            String handle = uniqueHandle("ozzy");
            String token = api.signUpAndLogIn(handle);
            List<String> before = storedKeys("photos/");
            byte[] huge = new byte[10 * 1024 * 1024 + 1];
            System.arraycopy(SyntheticPhoto.jpeg(16, 16, 1), 0, huge, 0, 100);

            assertProblem(upload(token, huge, "image/jpeg"), 413, "too-large");
            Reply chunked = api.send(api.request("/api/photos")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge)))
                    .header("Content-Type", "image/jpeg").header("Authorization", "Bearer " + token));
            assertProblem(chunked, 413, "too-large");

            assertThat(photosOf(handle, token)).isZero();
            assertThat(storedKeys("photos/")).isEqualTo(before);
        }

        @Test
        void theUploadLimitIsThePhotoRoutesOwnAndOtherRoutesKeepTheirs() {
            String token = api.signUpAndLogIn(uniqueHandle("lim"));

            // Far over http.maxRequestBytes (64 KB), but a fine photo.
            byte[] photo = SyntheticPhoto.png(300, 300, 2);
            assertThat(photo.length).isGreaterThan(65_536);
            assertThat(upload(token, photo, "image/png").status()).isEqualTo(202);
            // The same body on the direct-upload route (JSON) is still held to 64 KB.
            assertProblem(api.sendBytes("POST", "/api/photos/uploads", photo, "application/json", bearer(token)), 413, "too-large");
            assertProblem(api.sendBytes("POST", "/api/photos/", photo, "image/png", bearer(token)), 413, "too-large");
        }

        @Test
        void anythingButAJpegOrPngThatSaysWhatItIsIs415AndNothingIsStored() {
            String handle = uniqueHandle("nia");
            String token = api.signUpAndLogIn(handle);
            List<String> before = storedKeys("photos/");
            byte[] jpeg = SyntheticPhoto.jpeg(64, 48, 3);
            byte[] png = SyntheticPhoto.png(64, 48, 3);

            assertProblem(upload(token, jpeg, "text/plain"), 415, "unsupported-media-type");
            assertProblem(upload(token, jpeg, "image/gif"), 415, "unsupported-media-type");
            assertProblem(upload(token, jpeg, null), 415, "unsupported-media-type");
            assertProblem(upload(token, jpeg, "image/png"), 415, "not-an-image");
            assertProblem(upload(token, png, "image/jpeg"), 415, "not-an-image");
            assertProblem(upload(token, "hello, I am text".getBytes(), "image/jpeg"), 415, "not-an-image");
            assertProblem(upload(token, new byte[0], "image/png"), 415, "not-an-image");
            byte[] brokenHeader = png.clone();
            for (int i = 8; i < 40; i++) {
                brokenHeader[i] = (byte) 0xEE; // right magic, garbage where the header should be
            }
            assertProblem(upload(token, brokenHeader, "image/png"), 415, "not-an-image");

            assertThat(photosOf(handle, token)).isZero();
            assertThat(storedKeys("photos/")).isEqualTo(before);
        }

        @Test
        void anImageOverFortyMegapixelsIs400BeforeAnyDecodingAndNothingIsStored() {
            String handle = uniqueHandle("bo");
            String token = api.signUpAndLogIn(handle);
            List<String> before = storedKeys("photos/");

            Reply bomb = upload(token, Fixtures.pngHeaderOnly(8000, 5001), "image/png");
            assertProblem(bomb, 400, "image-too-large");
            assertThat(bomb.json().get("detail").asText()).contains("8000x5001");
            assertProblem(upload(token, Fixtures.pngHeaderOnly(65_535, 65_535), "image/png"), 400, "image-too-large");

            assertThat(photosOf(handle, token)).isZero();
            assertThat(storedKeys("photos/")).isEqualTo(before);
        }

        @Test
        void uploadingNeedsALoginAndUnknownPhotosAre404() {
            assertProblem(api.sendBytes("POST", "/api/photos", SyntheticPhoto.png(8, 8, 4), "image/png"), 401, "unauthorized");
            assertProblem(api.sendBytes("POST", "/api/photos", SyntheticPhoto.png(8, 8, 4), "image/png", bearer("made-up")), 401, "unauthorized");
            assertProblem(api.get("/api/photos/12345"), 404, "not-found");
            assertProblem(api.get("/api/photos/not-an-id"), 404, "not-found");
        }
    }

    @Nested
    class InPosts {
        @Test
        void aPostShowsItsAuthorsPhotosAndTheirThumbnailsOnceReady() throws Exception {
            String handle = uniqueHandle("pat");
            String token = api.signUpAndLogIn(handle);
            String photoId = upload(token, SyntheticPhoto.jpeg(800, 600, 5), "image/jpeg").text("id");

            Reply created = api.post("/api/posts", json(Map.of("body", "look at this", "photoIds", List.of(photoId))), bearer(token));

            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.json().get("photos")).extracting(photo -> photo.get("id").asText()).containsExactly(photoId);
            String postId = created.text("id");
            String createdTag = created.header("ETag");
            awaitProcessed(photoId, token);

            Reply read = api.get("/api/posts/" + postId);
            JsonNode shown = read.json().get("photos").get(0);
            assertThat(shown.get("status").asText()).isEqualTo("ready");
            assertThat(decode(api.download(shown.get("thumbnailUrl").asText()).body()).getWidth()).isEqualTo(256);
            if (created.json().get("photos").get(0).get("status").asText().equals("pending")) {
                // What a cache holds from before the thumbnail was made must not be revalidated as current.
                assertThat(api.get("/api/posts/" + postId, "If-None-Match", createdTag).status()).isEqualTo(200);
            }
            JsonNode timeline = api.get("/api/users/" + handle + "/posts").json().get("items").get(0);
            assertThat(timeline.get("photos").get(0).get("id").asText()).isEqualTo(photoId);
            // Editing the text keeps the photos; the If-Match tag of a post with photos still works.
            Reply edited = api.sendJson("PUT", "/api/posts/" + postId, json(Map.of("body", "edited")), "Authorization", "Bearer " + token,
                    "If-Match", read.header("ETag"));
            assertThat(edited.status()).as(edited.body()).isEqualTo(200);
            assertThat(edited.json().get("photos")).hasSize(1);
        }

        @Test
        void aPostsTagDependsOnItsPhotosStateNotOnTheirLinksSoRevalidationGets304() throws Exception {
            String token = api.signUpAndLogIn(uniqueHandle("tag"));
            String photoId = upload(token, SyntheticPhoto.jpeg(64, 48, 9), "image/jpeg").text("id");
            awaitProcessed(photoId, token);
            String path = "/api/posts/" + createPost(token, List.of(photoId)).text("id");

            Reply first = api.get(path);
            Thread.sleep(1_100); // presigned links carry their signing second: a later render signs them anew
            Reply rendered = api.get(path, "If-None-Match", "\"v999\""); // a tag that never matches: rendered from the database now

            assertThat(rendered.status()).isEqualTo(200);
            assertThat(rendered.header("ETag")).isEqualTo(first.header("ETag"));
            if (supportsDirectUpload()) { // S3 without a CDN: the links are presigned and differ
                assertThat(rendered.json().get("photos").get(0).get("url").asText())
                        .isNotEqualTo(first.json().get("photos").get(0).get("url").asText());
            }
            assertThat(api.get(path, "If-None-Match", first.header("ETag")).status()).isEqualTo(304);
        }

        @Test
        void aPostCannotShowPhotosThatAreNotItsAuthorsOrTooMany() {
            String handle = uniqueHandle("rae");
            String token = api.signUpAndLogIn(handle);
            String otherToken = api.signUpAndLogIn(uniqueHandle("sid"));
            String mine = upload(token, SyntheticPhoto.png(20, 20, 6), "image/png").text("id");
            String theirs = upload(otherToken, SyntheticPhoto.png(20, 20, 7), "image/png").text("id");
            List<String> five = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                five.add(upload(token, SyntheticPhoto.png(20, 20, 30 + i), "image/png").text("id"));
            }

            assertProblem(createPost(token, List.of(theirs)), 400, "validation");
            assertProblem(createPost(token, List.of("123456")), 400, "validation");
            assertProblem(createPost(token, List.of("not an id")), 400, "validation");
            assertProblem(createPost(token, List.of(mine, mine)), 400, "validation");
            assertProblem(createPost(token, five), 400, "validation");
            assertProblem(api.post("/api/posts", "{\"body\": \"x\", \"photoIds\": \"" + mine + "\"}", bearer(token)), 400, "invalid-json");
            assertThat(api.get("/api/users/" + handle + "/posts").json().get("items")).isEmpty();

            String postId = createPost(token, List.of(mine)).text("id");
            assertProblem(api.sendJson("PUT", "/api/posts/" + postId, json(Map.of("body", "x", "photoIds", List.of())), bearer(token)),
                    400, "validation");
        }

        private Reply createPost(String token, List<String> photoIds) {
            return api.post("/api/posts", json(Map.of("body", "with photos", "photoIds", photoIds)), bearer(token));
        }
    }

    @Nested
    class DirectUpload {
        @Test
        void aClientUploadsStraightToTheStoreThenConfirms() throws Exception {
            String handle = uniqueHandle("dee");
            String token = api.signUpAndLogIn(handle);
            byte[] jpeg = SyntheticPhoto.jpeg(640, 480, 8);

            Reply ticket = api.post("/api/photos/uploads", json(Map.of("contentType", "image/jpeg", "bytes", jpeg.length)), bearer(token));

            if (!supportsDirectUpload()) {
                assertProblem(ticket, 501, "direct-upload-unavailable");
                return;
            }
            assertThat(ticket.status()).as(ticket.body()).isEqualTo(201);
            String confirm = ticket.text("confirmUrl");
            assertProblem(api.post(confirm, "", bearer(token)), 409, "upload-missing");

            assertThat(putTo(ticket.json(), jpeg)).isEqualTo(200);
            assertProblem(api.post(confirm, "", bearer(api.signUpAndLogIn(uniqueHandle("eve")))), 404, "not-found");
            Reply accepted = api.post(confirm, "", bearer(token));

            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            assertThat(accepted.text("id")).isEqualTo(ticket.text("id"));
            JsonNode photo = awaitProcessed(accepted.text("id"), token);
            assertThat(photo.get("status").asText()).isEqualTo("ready");
            assertThat(decode(api.download(photo.get("thumbnailUrl").asText()).body()).getWidth()).isEqualTo(256);
            assertProblem(api.post(confirm, "", bearer(token)), 404, "not-found"); // confirmed once only
        }

        @Test
        void aDirectUploadThatIsNotWhatItClaimedIsRefusedAndDeleted() throws Exception {
            if (!supportsDirectUpload()) {
                return;
            }
            String handle = uniqueHandle("fox");
            String token = api.signUpAndLogIn(handle);
            byte[] notAJpeg = new byte[5000];
            Reply ticket = api.post("/api/photos/uploads", json(Map.of("contentType", "image/jpeg", "bytes", notAJpeg.length)), bearer(token));
            assertThat(putTo(ticket.json(), notAJpeg)).isEqualTo(200);
            List<String> stored = storedKeys("uploads/");
            assertThat(stored).anyMatch(key -> key.contains(ticket.text("id")));

            assertProblem(api.post(ticket.text("confirmUrl"), "", bearer(token)), 415, "not-an-image");

            assertThat(storedKeys("uploads/")).noneMatch(key -> key.contains(ticket.text("id")));
            assertThat(storedKeys("photos/")).noneMatch(key -> key.contains(ticket.text("id")));
            assertThat(photosOf(handle, token)).isZero();
        }

        @Test
        void aTicketIsOnlyForImagesWithinTheLimit() {
            String token = api.signUpAndLogIn(uniqueHandle("gil"));

            assertProblem(api.post("/api/photos/uploads", json(Map.of("contentType", "image/gif", "bytes", 100)), bearer(token)), 400, "validation");
            assertProblem(api.post("/api/photos/uploads", json(Map.of("contentType", "image/png", "bytes", 10 * 1024 * 1024 + 1)), bearer(token)),
                    413, "too-large");
            assertProblem(api.post("/api/photos/uploads", json(Map.of("contentType", "image/png", "bytes", 0)), bearer(token)), 413, "too-large");
            assertProblem(api.post("/api/photos/uploads", "{}", bearer(token)), 400, "validation");
            assertProblem(api.post("/api/photos/uploads", json(Map.of("contentType", "image/png", "bytes", 10))), 401, "unauthorized");
        }

        private int putTo(JsonNode ticket, byte[] body) {
            HttpRequest.Builder put = HttpRequest.newBuilder(java.net.URI.create(ticket.get("uploadUrl").asText()))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
            ticket.get("headers").properties().forEach(header -> {
                if (!header.getKey().equals("content-length")) {
                    put.header(header.getKey(), header.getValue().asText());
                }
            });
            return api.send(put).status();
        }
    }

    @Test
    void theAdminPortReportsTheQueueAndTheWorker() throws Exception {
        String token = api.signUpAndLogIn(uniqueHandle("met"));
        awaitProcessed(upload(token, SyntheticPhoto.png(50, 50, 9), "image/png").text("id"), token);

        String metrics = new Api(app.adminUri()).get("/metrics").body();

        assertThat(metrics)
                .contains("ladder_queue_depth{")
                .contains("state=\"waiting\"").contains("state=\"in_flight\"").contains("state=\"dead\"")
                .contains("ladder_queue_oldest_age_seconds{")
                .contains("ladder_jobs_age_seconds_count{")
                .contains("ladder_jobs_processing_seconds_count{")
                .contains("outcome=\"success\"")
                .contains("ladder_jobs_failures_total{")
                .contains("ladder_jobs_dead_letters_total{")
                .contains("ladder_jobs_active{")
                .contains("uri=\"/api/photos/{id}\"");
    }
}
