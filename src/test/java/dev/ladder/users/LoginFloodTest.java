package dev.ladder.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of wrong-password logins, each an Argon2id hash at full cost, must neither starve the
 * admin port (a load balancer would mark the node dead) nor run unbounded: hashes beyond
 * passwords.maxConcurrentHashes answer 503 /problems/busy with Retry-After.
 */
class LoginFloodTest {
    private static final int FLOOD = 150;

    @TempDir
    Path data;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFloodOfWrongPasswordLoginsLeavesHealthAnsweringAndTheExcessGets503() throws Exception {
        try (TestApp app = TestApp.start("embedded", Map.of(
                "LADDER_DATA_DIR", data.toString(),
                // Full OWASP cost, as in production: this is what makes a flood expensive.
                "LADDER_PASSWORDS_ARGON2_MEMORY_KIB", "19456",
                "LADDER_PASSWORDS_ARGON2_ITERATIONS", "2",
                "LADDER_PASSWORDS_MAX_CONCURRENT_HASHES", "1",
                "LADDER_PASSWORDS_HASH_WAIT", "50ms"))) {
            Api api = new Api(app.apiUri());
            api.signUpAndLogIn("victim");

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpClient health = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            AtomicBoolean flooding = new AtomicBoolean(true);
            AtomicInteger healthChecks = new AtomicInteger();
            List<String> healthFailures = new ArrayList<>();
            Thread prober = Thread.ofPlatform().name("health-prober").start(() -> {
                while (flooding.get()) {
                    try {
                        HttpResponse<String> live = health.send(HttpRequest.newBuilder(app.adminUri().resolve("/health/live"))
                                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                        if (live.statusCode() != 200) {
                            synchronized (healthFailures) {
                                healthFailures.add("status " + live.statusCode());
                            }
                        }
                        healthChecks.incrementAndGet();
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        synchronized (healthFailures) {
                            healthFailures.add(e.toString());
                        }
                    }
                }
            });

            String wrong = Api.json(Map.of("handle", "victim", "password", "not-the-password"));
            List<CompletableFuture<HttpResponse<String>>> logins = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) {
                logins.add(client.sendAsync(HttpRequest.newBuilder(app.apiUri().resolve("/api/sessions"))
                        .timeout(Duration.ofSeconds(90))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(wrong)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> replies = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> login : logins) {
                replies.add(login.get(100, TimeUnit.SECONDS));
            }
            flooding.set(false);
            prober.join();

            assertThat(healthFailures).as("/health/live answers within 2 s throughout the flood").isEmpty();
            assertThat(healthChecks.get()).isPositive();
            List<HttpResponse<String>> busy = replies.stream().filter(reply -> reply.statusCode() == 503).toList();
            assertThat(busy).as("logins beyond the bound on concurrent hashes").isNotEmpty();
            assertThat(busy).allSatisfy(reply -> {
                assertThat(reply.headers().firstValue("Retry-After")).isPresent();
                assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(new Api.Reply(503, reply.headers(), reply.body()).text("type")).isEqualTo("/problems/busy");
            });
            assertThat(replies).allSatisfy(reply -> assertThat(reply.statusCode()).isIn(401, 503));

            // Once the flood is over, the real user logs in.
            Reply login = api.post("/api/sessions", Api.json(Map.of("handle", "victim", "password", "password123")));
            assertThat(login.status()).isEqualTo(201);
        }
    }
}
