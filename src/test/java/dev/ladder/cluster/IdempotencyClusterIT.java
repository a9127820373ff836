package dev.ladder.cluster;

import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Idempotency-Key through the load balancer, where two write-api nodes share one database: a
 * retry returns the first answer and writes nothing, a key reused for another body is refused,
 * and duplicates racing on both nodes produce one post.
 */
class IdempotencyClusterIT {
    private final Api api = Drills.api(Cluster.status());

    @Test
    void theSameKeyTwiceWritesOnePostAndAnswersTheSame() {
        String handle = uniqueHandle("idem");
        String token = api.signUpAndLogIn(handle);
        String key = UUID.randomUUID().toString();

        Reply first = post(token, key, "once");
        Reply again = post(token, key, "once");

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(again.status()).as(again.body()).isEqualTo(first.status());
        assertThat(again.text("id")).isEqualTo(first.text("id"));
        assertThat(countPosts(handle)).isEqualTo(1);
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefusedWith422() {
        String handle = uniqueHandle("idem");
        String token = api.signUpAndLogIn(handle);
        String key = UUID.randomUUID().toString();
        assertThat(post(token, key, "first body").status()).isEqualTo(201);

        Reply reused = post(token, key, "another body");

        assertThat(reused.status()).as(reused.body()).isEqualTo(422);
        assertThat(reused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(countPosts(handle)).isEqualTo(1);
    }

    @Test
    void concurrentDuplicatesOnBothWriteNodesWriteOnePost() throws Exception {
        String handle = uniqueHandle("idem");
        String token = api.signUpAndLogIn(handle);
        String key = UUID.randomUUID().toString();
        int duplicates = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(duplicates)) {
            for (int i = 0; i < duplicates; i++) {
                replies.add(threads.submit(() -> {
                    go.await();
                    return post(token, key, "raced");
                }));
            }
            go.countDown();
        }
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, Integer> servedBy = new TreeMap<>();
        List<String> ids = new ArrayList<>();
        for (Future<Reply> future : replies) {
            Reply reply = future.get();
            statuses.merge(reply.status(), 1, Integer::sum);
            servedBy.merge(String.valueOf(reply.header("X-Served-By")), 1, Integer::sum);
            if (reply.status() == 201) {
                ids.add(reply.text("id"));
            }
        }
        // A duplicate that arrives while the first is still in flight may be told to retry (409); its retry gets the first answer.
        Reply settled = post(token, key, "raced");
        System.out.printf("[drill] idempotency: %d concurrent duplicates answered %s, served by %s; the retry afterwards %d%n",
                duplicates, statuses, servedBy, settled.status());

        assertThat(statuses.keySet()).isSubsetOf(201, 409);
        assertThat(ids).isNotEmpty().allMatch(id -> id.equals(ids.getFirst()));
        assertThat(settled.status()).isEqualTo(201);
        assertThat(settled.text("id")).isEqualTo(ids.getFirst());
        assertThat(countPosts(handle)).isEqualTo(1);
    }

    private Reply post(String token, String key, String body) {
        return api.post("/api/posts", json(Map.of("body", body)), "Authorization", "Bearer " + token, "Idempotency-Key", key);
    }

    private int countPosts(String handle) {
        Reply page = api.get("/api/users/" + handle + "/posts?limit=100");
        assertThat(page.status()).isEqualTo(200);
        return page.json().get("items").size();
    }
}
