package dev.ladder.cluster;

import dev.ladder.testing.Api;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Posts written as a careful client writes them: each with its own Idempotency-Key, retried with
 * the same key and the same body after any failure (no answer, 5xx, 409 while the first attempt
 * is still in flight, 429) until acknowledged or giveUpAfter has passed. A write that got a 2xx
 * is "acknowledged": the drills check every one of them is there afterwards.
 *
 * <p>A key whose first request died with its node or database after claiming the key stays "in
 * progress" (409) until idempotency.claimTimeout (30 s), when a retry takes it over; its post
 * commits only together with its answer, so while the key is in progress the post does not exist.
 * The client gives up on it after STUCK_AFTER of 409s: such a write was never acknowledged.
 */
final class KeyedWrites {
    /** One logical write; postId is null when it was never acknowledged. */
    record Write(String key, String body, String postId, int attempts, int finalStatus) {
        boolean acknowledged() {
            return postId != null;
        }
    }

    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PAUSE = Duration.ofMillis(200);
    private static final Duration STUCK_AFTER = Duration.ofSeconds(15);

    private final HttpClient client;
    private final URI base;
    private final String token;
    private final Outcomes outcomes;
    private final Duration giveUpAfter;
    private final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();

    KeyedWrites(HttpClient client, URI base, String token, Outcomes outcomes, Duration giveUpAfter) {
        this.client = client;
        this.base = base;
        this.token = token;
        this.outcomes = outcomes;
        this.giveUpAfter = giveUpAfter;
    }

    Write write(String body) {
        String key = UUID.randomUUID().toString();
        String json = Api.json(Map.of("body", body));
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        int attempts = 0;
        int status = 0;
        long first409 = 0;
        while (true) {
            attempts++;
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/posts"))
                    .timeout(ATTEMPT_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                    .build();
            Outcomes.Sent sent = outcomes.send(client, request);
            status = sent.attempt().status();
            if (sent.attempt().ok()) {
                Write write = new Write(key, body, idOf(sent.response().body()), attempts, status);
                writes.add(write);
                return write;
            }
            if (status == 409 && first409 == 0) {
                first409 = System.nanoTime();
            }
            boolean stuck = status == 409 && System.nanoTime() - first409 > STUCK_AFTER.toNanos();
            boolean retryable = status == 0 || status >= 500 || status == 409 || status == 429;
            if (!retryable || stuck || System.nanoTime() > deadline) {
                Write write = new Write(key, body, null, attempts, status);
                writes.add(write);
                return write;
            }
            try {
                Thread.sleep(PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    List<Write> all() {
        return List.copyOf(writes);
    }

    List<Write> acknowledged() {
        return writes.stream().filter(Write::acknowledged).toList();
    }

    private static String idOf(String body) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get("id").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("not a post: " + body, e);
        }
    }
}
