package dev.ladder.plus3;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.cluster.Cluster;
import dev.ladder.cluster.Drills;
import dev.ladder.cluster.Outcomes;
import dev.ladder.cluster.SteadyLoad;
import dev.ladder.testing.Api;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults of the users-plus-3 tiers under load through the load balancer, each restored before the
 * next: an app node killed (nobody logged out: sessions live in Redis), the Redis primary killed
 * (Sentinel promotes the replica; requests wait it out: zero 5xx, sessions kept), Redis killed
 * entirely (reads come from the database: zero 5xx), a read replica killed (zero failed reads).
 * Named to run after the topology's own checks (alphabetical order), on a cluster they left whole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TiersKilledPlus3IT {
    private static final int USERS = 8;
    private static final String[] BACKING = {"s3", "sqs", "db", "lb", "cdn", "redis", "sentinel", "db_replica"};

    private final List<String> tokens = new ArrayList<>();
    private final List<String> handles = new ArrayList<>();
    private final List<String> postIds = new ArrayList<>();
    private Cluster.Status status;
    private HttpClient client;

    @BeforeAll
    void usersAndPosts() {
        status = Cluster.status();
        client = AppTier.browser(status);
        Api api = new Api(status.url(), client);
        for (int i = 0; i < USERS; i++) {
            String handle = uniqueHandle("faults");
            String token = api.signUpAndLogIn(handle);
            handles.add(handle);
            tokens.add(token);
            postIds.add(api.post("/api/posts", json(Map.of("body", "steady " + i)), bearer(token)).text("id"));
        }
    }

    @Test
    @Order(1)
    void killingAnAppNodeLogsNobodyOut() {
        Cluster.Host victim = status.group("write_api").getFirst();
        try {
            Drills.kill9(victim);
            // Every session works through the other write node: none lived in the dead node.
            await("the balancer routes writes past " + victim.name()).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> everySessionWrites("after killing " + victim.name()).isEmpty());
            assertThat(everySessionWrites("after killing " + victim.name())).as("sessions refused").isEmpty();
        } finally {
            restore(withBacking(victim.name()));
        }
    }

    @Test
    @Order(2)
    void killingTheRedisPrimaryUnderLoadFailsNoRequestAndKeepsEverySession() {
        Cluster.Status before = Cluster.status();
        Cluster.Host primary = before.host(before.redisPrimary());
        try {
            Outcomes outcomes = underLoad("Redis primary " + primary.name() + " killed", () -> Drills.kill9(primary), Duration.ofSeconds(15));
            assertThat(outcomes.failed()).as("failed requests by kind " + outcomes.failedByKind()).isZero();
            assertThat(everySessionWrites("after the Redis failover")).as("sessions lost by the failover").isEmpty();
            assertThat(Cluster.status().redisPrimary()).isNotEqualTo(primary.name());
        } finally {
            restore(primary.name());
        }
    }

    @Test
    @Order(3)
    void killingEveryRedisServerFailsNoAnonymousRead() {
        Cluster.Status before = Cluster.status();
        List<Cluster.Host> servers = new ArrayList<>(before.group("redis_primary"));
        servers.addAll(before.group("redis_replica"));
        long origin = System.nanoTime();
        Outcomes reads = new Outcomes("anonymous reads while Redis is gone", origin);
        try {
            try (SteadyLoad load = SteadyLoad.start("reads", 3, 100_000, Duration.ofSeconds(60), n -> read(reads, n))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> reads.sent() >= 100);
                servers.forEach(Drills::kill9);
                long killed = reads.sent();
                await().atMost(Duration.ofSeconds(60)).until(() -> reads.sent() >= killed + 300);
                load.stop(Duration.ofSeconds(30));
            }
            System.out.println(reads.summary());
            assertThat(reads.failed()).as("failed reads by kind " + reads.failedByKind()).isZero();
        } finally {
            restore(servers.stream().map(Cluster.Host::name).toArray(String[]::new));
        }
    }

    @Test
    @Order(4)
    void killingAReadReplicaUnderLoadFailsNoRead() {
        Cluster.Host replica = Cluster.status().group("db_replica").getFirst();
        long origin = System.nanoTime();
        Outcomes reads = new Outcomes("reads while " + replica.name() + " is killed", origin);
        try {
            try (SteadyLoad load = SteadyLoad.start("replica-reads", 3, 100_000, Duration.ofSeconds(60), n -> {
                // Pages a replica answers (not the cached first pages), and profiles.
                String handle = handles.get(n % handles.size());
                String path = switch (n % 3) {
                    case 0 -> "/api/users/" + handle + "/posts?limit=5";
                    case 1 -> "/api/posts?limit=7";
                    default -> "/api/users/" + handle;
                };
                reads.send(client, HttpRequest.newBuilder(status.url().resolve(path)).timeout(Duration.ofSeconds(20)).GET().build());
            })) {
                await().atMost(Duration.ofSeconds(30)).until(() -> reads.sent() >= 100);
                Drills.kill9(replica);
                long killed = reads.sent();
                await().atMost(Duration.ofSeconds(60)).until(() -> reads.sent() >= killed + 300);
                load.stop(Duration.ofSeconds(30));
            }
        } finally {
            restore(replica.name());
        }
        System.out.println(reads.summary());
        assertThat(reads.failed()).as("failed reads by kind " + reads.failedByKind()).isZero();
    }

    /** `scripts/cluster up --limit` for what a test broke, waiting until every one of those hosts runs again. */
    private static void restore(String... hostsAndGroups) {
        Drills.up(hostsAndGroups);
        await("hosts back: " + String.join(",", hostsAndGroups)).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Cluster.status().hosts().stream().allMatch(Cluster.Host::up));
    }

    /** Reads and authenticated edits through the balancer while fault runs; for how long after it. */
    private Outcomes underLoad(String name, Runnable fault, Duration after) {
        long origin = System.nanoTime();
        Outcomes outcomes = new Outcomes(name, origin);
        try (SteadyLoad load = SteadyLoad.start("plus3", 4, 100_000, Duration.ofSeconds(90), n -> {
            if (n % 4 == 0) {
                int user = (n / 4) % USERS;
                outcomes.send(client, HttpRequest.newBuilder(status.url().resolve("/api/posts/" + postIds.get(user)))
                        .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + tokens.get(user))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json(Map.of("body", "edit " + n)))).build());
            } else {
                read(outcomes, n);
            }
        })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> outcomes.sent() >= 100);
            fault.run();
            long faultAt = System.nanoTime();
            await().atMost(after.plusSeconds(60)).until(() -> System.nanoTime() - faultAt >= after.toNanos());
            load.stop(Duration.ofSeconds(30));
        }
        System.out.println(outcomes.summary());
        return outcomes;
    }

    private void read(Outcomes outcomes, int n) {
        String path = n % 5 == 0 ? "/api/posts" : "/api/posts/" + postIds.get(n % postIds.size());
        outcomes.send(client, HttpRequest.newBuilder(status.url().resolve(path)).timeout(Duration.ofSeconds(20)).GET().build());
    }

    /** The users whose token no longer authenticates a change (empty: every session works). */
    private List<String> everySessionWrites(String when) {
        Api api = new Api(status.url(), client);
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            Api.Reply edited = api.sendJson("PUT", "/api/posts/" + postIds.get(i), json(Map.of("body", "still me " + i)), bearer(tokens.get(i)));
            if (edited.status() != 200) {
                refused.add(handles.get(i) + ": " + edited.status() + " " + when);
            }
        }
        return refused;
    }

    private static String[] withBacking(String host) {
        String[] hosts = new String[BACKING.length + 1];
        hosts[0] = host;
        System.arraycopy(BACKING, 0, hosts, 1, BACKING.length);
        return hosts;
    }
}
