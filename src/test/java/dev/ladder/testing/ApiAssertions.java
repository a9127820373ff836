package dev.ladder.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api.Reply;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** What every API test checks of an error, and handles that never collide between tests. */
public final class ApiAssertions {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private ApiAssertions() {
    }

    /** A problem+json answer with this status and stable type, and no trace of the server's insides. */
    public static void assertProblem(Reply reply, int status, String type) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asText()).isEqualTo("/problems/" + type);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asText()).isNotBlank();
        assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** A valid handle (3-30 of [a-z0-9_]) unique within this JVM, for a prefix of up to 12 characters. */
    public static String uniqueHandle(String prefix) {
        return prefix + "_" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36) + SEQUENCE.incrementAndGet();
    }
}
