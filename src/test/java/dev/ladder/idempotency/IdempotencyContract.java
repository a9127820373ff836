package dev.ladder.idempotency;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.assertProblem;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.photos.SyntheticPhoto;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Idempotency-Key on the creating POSTs, specified once and run on the embedded profile (H2)
 * and on single-box (MariaDB): a retry gets the first answer and writes nothing, concurrent
 * duplicates write once, a reused key with another body is refused, and keys expire.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class IdempotencyContract {
    protected TestApp app;
    protected Api api;

    /** A node of this profile; overrides are LADDER_ settings on top of the test's own. */
    protected abstract TestApp startApp(Map<String, String> overrides) throws Exception;

    @BeforeAll
    void startNode() throws Exception {
        app = startApp(Map.of());
        api = new Api(app.apiUri());
    }

    @AfterAll
    void stopNode() {
        if (app != null) {
            app.close();
        }
    }

    private static String newKey() {
        return UUID.randomUUID().toString();
    }

    private static int countPosts(Api api, String handle) {
        return api.get("/api/users/" + handle + "/posts?limit=100").json().get("items").size();
    }

    private static Reply post(Api api, String token, String body, String key) {
        return api.post("/api/posts", json(Map.of("body", body)), "Authorization", "Bearer " + token, "Idempotency-Key", key);
    }

    @Test
    void aRetriedPostGetsTheFirstAnswerAndWritesNothingNew() {
        String handle = uniqueHandle("retrier");
        String token = api.signUpAndLogIn(handle);
        String key = newKey();

        Reply first = post(api, token, "said once", key);
        Reply retry = post(api, token, "said once", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        assertThat(retry.header("ETag")).isEqualTo(first.header("ETag"));
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(countPosts(api, handle)).isEqualTo(1);
        // Without a key, the same body is simply another post.
        assertThat(api.post("/api/posts", json(Map.of("body", "said once")), bearer(token)).status()).isEqualTo(201);
        assertThat(countPosts(api, handle)).isEqualTo(2);
    }

    @Test
    void aRetriedSignUpGetsTheFirstAnswerNotAConflict() {
        String handle = uniqueHandle("joiner");
        String body = json(Map.of("handle", handle, "email", "j@example.com", "password", "password123"));
        String key = newKey();

        Reply first = api.post("/api/users", body, "Idempotency-Key", key);
        Reply retry = api.post("/api/users", body, "Idempotency-Key", key);
        Reply withoutKey = api.post("/api/users", body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Location")).isEqualTo("/api/users/" + handle).isEqualTo(first.header("Location"));
        assertThat(retry.body()).isEqualTo(first.body());
        assertProblem(withoutKey, 409, "handle-taken");
    }

    @Test
    void aRetriedPhotoUploadStoresOnePhoto() {
        String handle = uniqueHandle("snapper");
        String token = api.signUpAndLogIn(handle);
        byte[] photo = SyntheticPhoto.jpeg(64, 48, 7);
        String key = newKey();

        Reply first = api.sendBytes("POST", "/api/photos", photo, "image/jpeg", "Authorization", "Bearer " + token, "Idempotency-Key", key);
        Reply retry = api.sendBytes("POST", "/api/photos", photo, "image/jpeg", "Authorization", "Bearer " + token, "Idempotency-Key", key);

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        assertThat(retry.text("id")).isEqualTo(first.text("id"));
        // A photo no post shows yet is listed to its owner only.
        assertThat(api.get("/api/users/" + handle + "/photos", "Authorization", "Bearer " + token).json().get("items").size())
                .isEqualTo(1);
    }

    @Test
    void aRetriedPostWithAPhotoReplaysTheAnswerRenderedInItsTransaction() {
        String handle = uniqueHandle("shower");
        String token = api.signUpAndLogIn(handle);
        Reply photo = api.sendBytes("POST", "/api/photos", SyntheticPhoto.jpeg(64, 48, 9), "image/jpeg", "Authorization", "Bearer " + token);
        assertThat(photo.status()).as(photo.body()).isEqualTo(202);
        String body = json(Map.of("body", "with a photo", "photoIds", List.of(photo.text("id"))));
        String key = newKey();

        Reply first = api.post("/api/posts", body, "Authorization", "Bearer " + token, "Idempotency-Key", key);
        Reply retry = api.post("/api/posts", body, "Authorization", "Bearer " + token, "Idempotency-Key", key);

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        // Rendered inside the post's transaction, the answer already shows the photo it attached.
        assertThat(first.json().get("photos").size()).isEqualTo(1);
        assertThat(first.json().get("photos").get(0).get("id").asText()).isEqualTo(photo.text("id"));
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.header("ETag")).isEqualTo(first.header("ETag"));
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(countPosts(api, handle)).isEqualTo(1);
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefusedAndWritesNothing() {
        String handle = uniqueHandle("changer");
        String token = api.signUpAndLogIn(handle);
        String key = newKey();
        assertThat(post(api, token, "the first words", key).status()).isEqualTo(201);

        Reply other = post(api, token, "other words", key);

        assertProblem(other, 422, "idempotency-mismatch");
        assertThat(countPosts(api, handle)).isEqualTo(1);
    }

    @Test
    void aKeyBelongsToItsCaller() {
        String key = newKey();
        String annHandle = uniqueHandle("ann");
        String bobHandle = uniqueHandle("bob");
        String ann = api.signUpAndLogIn(annHandle);
        String bob = api.signUpAndLogIn(bobHandle);

        Reply annPost = post(api, ann, "same words", key);
        Reply bobPost = post(api, bob, "same words", key);

        assertThat(annPost.status()).isEqualTo(201);
        assertThat(bobPost.status()).isEqualTo(201);
        assertThat(bobPost.header("Idempotent-Replayed")).isNull();
        assertThat(bobPost.text("id")).isNotEqualTo(annPost.text("id"));
        assertThat(bobPost.text("author")).isEqualTo(bobHandle);
    }

    @Test
    void aBadKeyIsA400AndWritesNothing() {
        String handle = uniqueHandle("badkey");
        String token = api.signUpAndLogIn(handle);

        for (String bad : new String[] {"", "x".repeat(65), "spaces are not allowed", "semi;colon", "../etc"}) {
            Reply reply = api.post("/api/posts", json(Map.of("body", "never written")), "Authorization", "Bearer " + token,
                    "Idempotency-Key", bad);
            assertProblem(reply, 400, "invalid-idempotency-key");
        }
        assertThat(countPosts(api, handle)).isZero();
    }

    @Test
    void aRefusedFirstAttemptLeavesTheKeyFreeForTheCorrectedRequest() {
        String handle = uniqueHandle("fixer");
        String token = api.signUpAndLogIn(handle);
        String key = newKey();

        assertProblem(post(api, token, "", key), 400, "validation");
        Reply corrected = post(api, token, "now with words", key);

        assertThat(corrected.status()).isEqualTo(201);
        assertThat(countPosts(api, handle)).isEqualTo(1);
    }

    @Test
    void concurrentDuplicatesWriteExactlyOnce() throws Exception {
        String handle = uniqueHandle("racer");
        String token = api.signUpAndLogIn(handle);
        String key = newKey();
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Reply>> replies = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                replies.add(pool.submit(() -> {
                    start.await();
                    return post(api, token, "one and only", key);
                }));
            }
            start.countDown();
            List<Reply> answers = new ArrayList<>();
            for (Future<Reply> reply : replies) {
                answers.add(reply.get());
            }

            Set<Integer> statuses = answers.stream().map(Reply::status).collect(Collectors.toSet());
            assertThat(statuses).isSubsetOf(201, 409).contains(201);
            answers.stream().filter(reply -> reply.status() == 409).forEach(reply -> assertProblem(reply, 409, "idempotency-in-progress"));
            assertThat(answers.stream().filter(reply -> reply.status() == 201).map(reply -> reply.text("id")).distinct()).hasSize(1);
            assertThat(countPosts(api, handle)).isEqualTo(1);
            // Once the first has finished, every retry gets its answer.
            assertThat(post(api, token, "one and only", key).status()).isEqualTo(201);
            assertThat(countPosts(api, handle)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExpiredKeyRunsTheRequestAgain() throws Exception {
        try (TestApp shortLived = startApp(Map.of("LADDER_IDEMPOTENCY_TTL", "1s"))) {
            Api client = new Api(shortLived.apiUri());
            String handle = uniqueHandle("expirer");
            String token = client.signUpAndLogIn(handle);
            String key = newKey();
            String firstId = post(client, token, "again later", key).text("id");

            await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ofMillis(1100)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(post(client, token, "again later", key).text("id")).isNotEqualTo(firstId));
            assertThat(countPosts(client, handle)).isEqualTo(2);
        }
    }
}
