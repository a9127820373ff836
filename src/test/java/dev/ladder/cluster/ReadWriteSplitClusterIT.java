package dev.ladder.cluster;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.assertProblem;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The load balancer sends GET/HEAD to the read-api pool and every change to the write-api pool. */
class ReadWriteSplitClusterIT {
    private final Cluster.Status status = Cluster.status();
    private final Api api = Drills.api(status);

    @Test
    void readsAreServedByReadApiNodesAndWritesByWriteApiNodes() {
        String token = api.signUpAndLogIn(uniqueHandle("split"));
        Map<String, Integer> writers = new TreeMap<>();
        Map<String, Integer> readers = new TreeMap<>();
        String id = null;
        for (int i = 0; i < 10; i++) {
            Reply created = api.post("/api/posts", json(Map.of("body", "split " + i)), bearer(token));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            writers.merge(created.header("X-Served-By"), 1, Integer::sum);
            id = created.text("id");
        }
        for (int i = 0; i < 20; i++) {
            Reply read = i % 2 == 0 ? api.get("/api/posts/" + id) : api.get("/api/posts?limit=5");
            assertThat(read.status()).isEqualTo(200);
            readers.merge(read.header("X-Served-By"), 1, Integer::sum);
        }
        System.out.printf("[drill] read/write split: writes served by %s, reads served by %s%n", writers, readers);

        assertThat(writers.keySet()).isSubsetOf(status.names("write_api"));
        assertThat(readers.keySet()).isSubsetOf(status.names("read_api"));
    }

    @Test
    void aReadApiNodeAnswersADirectPostWith405ProblemJson() {
        Cluster.Host reader = status.group("read_api").getFirst();
        Api direct = Drills.direct(reader);

        Reply refused = direct.post("/api/posts", json(Map.of("body", "misrouted")), bearer("any-token"));

        assertProblem(refused, 405, "read-only-node");
        assertThat(refused.header("X-Served-By")).isEqualTo(reader.name());
        assertThat(direct.get("/api/posts?limit=1").status()).isEqualTo(200);
    }
}
