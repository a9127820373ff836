package dev.ladder.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.http.ApiException;
import dev.ladder.redis.Redis;
import dev.ladder.testing.Api;
import dev.ladder.testing.ApiAssertions;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.RedisSentinels;
import dev.ladder.testing.TestApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis session store through Sentinel (a primary, one replica, three Sentinels, as locally in
 * users-plus-3): SIGKILL the primary while logins pour in; the replica is promoted, the store works
 * again after the failover window, and the sessions acknowledged before the kill are counted on the
 * new primary. Replication is asynchronous, so without WAIT the last moments of logins can be lost;
 * with sessions.waitForReplica none that were acknowledged may be. The figures go to the log and to
 * target/session-failover.txt.
 */
class SessionFailoverIT {
    private static final Duration TTL = Duration.ofDays(30);
    private static final int WRITERS = 4;
    private static final int ACKNOWLEDGED_BEFORE_KILL = 3_000;
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);
    /** Below the client's socket timeout (1 s here), as Config requires: a WAIT that times out still answers in time. */
    private static final Duration WAIT_FOR_REPLICA = Duration.ofMillis(500);

    private RedisSentinels redis;
    private UnifiedJedis client;

    @BeforeEach
    void start() {
        redis = RedisSentinels.start();
        client = Redis.open(redis.config(Duration.ofMillis(500), Duration.ofSeconds(1), 8), "session-failover-test");
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    record Outcome(int acknowledgedBeforeKill, int acknowledgedInLast100ms, int lost, Duration unavailableFor, int acknowledgedAfter,
                   long medianCreateMicros) {
    }

    @RepeatedTest(3)
    void withoutWaitAPrimaryKillLosesAtMostTheLastMomentsOfLogins() throws Exception {
        Outcome outcome = killThePrimaryUnderLogins(Duration.ZERO);

        report("waitForReplica=0s", outcome);
        assertThat(outcome.lost()).isLessThanOrEqualTo(outcome.acknowledgedBeforeKill());
        assertThat(outcome.acknowledgedAfter()).as("logins after the failover").isPositive();
    }

    @Test
    void withWaitForReplicaNoAcknowledgedLoginIsLost() throws Exception {
        Outcome outcome = killThePrimaryUnderLogins(WAIT_FOR_REPLICA);

        report("waitForReplica=" + WAIT_FOR_REPLICA.toMillis() + "ms", outcome);
        assertThat(outcome.lost()).isZero();
        assertThat(outcome.acknowledgedAfter()).as("logins after the failover").isPositive();
    }

    @Test
    void afterTheFailoverWindowEveryOperationWorksOnThePromotedReplica() {
        SessionStore store = new RedisSessionStore(client, WAIT_FOR_REPLICA);
        long now = System.currentTimeMillis();
        store.create("a".repeat(64), 7, "alice", now, now + TTL.toMillis());
        store.create("b".repeat(64), 7, "alice", now, now + TTL.toMillis());
        store.create("c".repeat(64), 8, "bob", now, now + TTL.toMillis());
        HostAndPort before = redis.currentPrimary();

        redis.primary().kill();
        HostAndPort after = redis.awaitFailoverFrom(before, FAILOVER_TIMEOUT);
        assertThat(after.getPort()).isEqualTo(redis.replica().port());

        // The client follows the Sentinels' +switch-master; until then calls answer 503, never a wrong "no session".
        Optional<SessionStore.Session> found = await().atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof ApiException api && api.status() == 503)
                .until(() -> store.find("a".repeat(64), System.currentTimeMillis()), Optional::isPresent);
        assertThat(found.get().handle()).isEqualTo("alice");
        long later = System.currentTimeMillis();
        assertThat(store.extend("a".repeat(64), 7, later + TTL.toMillis(), later)).isTrue();
        store.create("d".repeat(64), 7, "alice", later, later + TTL.toMillis());
        store.delete("b".repeat(64), 7);
        assertThat(store.find("b".repeat(64), later)).isEmpty();
        assertThat(store.deleteAllOf(7)).containsExactlyInAnyOrder("a".repeat(64), "d".repeat(64));
        assertThat(store.find("c".repeat(64), later)).as("bob's").isPresent();
    }

    @Test
    void aNodeThroughSentinelAnswers503NotLoggedOutDuringTheFailoverAndKeepsItsSessions() throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        Map<String, String> env = new HashMap<>(redis.overrides());
        env.put("LADDER_DATA_DIR", Files.createTempDirectory("ladder-failover-node").toString());
        env.put("LADDER_DATABASE_URL", mariaDb.jdbcUrl(mariaDb.createDatabase()));
        env.put("LADDER_DATABASE_USER", mariaDb.user());
        env.put("LADDER_DATABASE_PASSWORD", mariaDb.password());
        env.put("LADDER_SESSIONS_STORE", "redis");
        env.put("LADDER_SESSIONS_WAIT_FOR_REPLICA", "100ms");
        try (TestApp node = TestApp.start("single-box", env)) {
            Api api = new Api(node.apiUri());
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                tokens.add(api.signUpAndLogIn(ApiAssertions.uniqueHandle("failover")));
            }
            HostAndPort before = redis.currentPrimary();

            redis.primary().kill();
            Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>(); // filled on Awaitility's thread
            await().atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
                int status = api.delete("/api/posts/1", Api.bearer(tokens.get(0))).status();
                statuses.merge(status, 1, Integer::sum);
                return status == 404;
            });
            redis.awaitFailoverFrom(before, FAILOVER_TIMEOUT);

            assertThat(statuses.keySet()).as("answers while the primary was down, by status").isSubsetOf(503, 404);
            for (String token : tokens) {
                assertThat(api.delete("/api/posts/1", Api.bearer(token)).status()).as("a session made before the kill").isEqualTo(404);
            }
            assertThat(api.delete("/api/sessions/current", Api.bearer(tokens.get(1))).status()).isEqualTo(204);
            assertThat(api.delete("/api/posts/1", Api.bearer(tokens.get(1))).status()).isEqualTo(401);
        }
    }

    /** Writers log in as fast as they can; the primary is killed once enough logins were acknowledged. */
    private Outcome killThePrimaryUnderLogins(Duration waitForReplica) throws Exception {
        SessionStore store = new RedisSessionStore(client, waitForReplica);
        Map<String, Long> acknowledged = new ConcurrentHashMap<>(); // token hash -> nanoTime acknowledged
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong killDone = new AtomicLong(Long.MAX_VALUE);
        Queue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong firstAfterKill = new AtomicLong(Long.MAX_VALUE);
        AtomicLong users = new AtomicLong();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            running.add(writers.submit(() -> {
                while (!stop.get()) {
                    String hash = SessionService.hash(UUID.randomUUID().toString());
                    long now = System.currentTimeMillis();
                    long started = System.nanoTime();
                    try {
                        // A user each: one user's logins beyond the per-user bound would end its oldest sessions.
                        store.create(hash, users.incrementAndGet(), "writer", now, now + TTL.toMillis());
                        long at = System.nanoTime();
                        acknowledged.put(hash, at);
                        latencies.add(at - started);
                        if (started > killDone.get()) { // begun after the primary was dead: answered by the new one
                            firstAfterKill.accumulateAndGet(at, Math::min);
                        }
                    } catch (ApiException unavailable) {
                        sleep(Duration.ofMillis(20));
                    }
                }
                return null;
            }));
        }
        HostAndPort before = redis.currentPrimary();
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= ACKNOWLEDGED_BEFORE_KILL);
        killedAt.set(System.nanoTime());
        redis.primary().kill();
        killDone.set(System.nanoTime());
        List<Long> beforeKillLatencies = latencies.stream().sorted().toList();
        HostAndPort after = redis.awaitFailoverFrom(before, FAILOVER_TIMEOUT);
        await().atMost(FAILOVER_TIMEOUT).until(() -> firstAfterKill.get() != Long.MAX_VALUE);
        stop.set(true);
        for (Future<?> writer : running) {
            writer.get();
        }
        writers.shutdown();

        // Acknowledged before the process was gone (a reply read a moment later still came from the old primary).
        long kill = killDone.get();
        List<String> beforeKill = acknowledged.entrySet().stream().filter(entry -> entry.getValue() < kill).map(Map.Entry::getKey).toList();
        int inLast100ms = (int) acknowledged.values().stream().filter(at -> at < kill && at >= kill - 100_000_000L).count();
        int lost = 0;
        try (Jedis jedis = new Jedis(after)) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<Boolean>> exists = new ArrayList<>();
            for (String hash : beforeKill) {
                exists.add(pipeline.exists(RedisSessionStore.SESSION_PREFIX + hash));
            }
            pipeline.sync();
            for (Response<Boolean> found : exists) {
                lost += found.get() ? 0 : 1;
            }
        }
        int afterKill = (int) acknowledged.values().stream().filter(at -> at > kill).count();
        long medianMicros = beforeKillLatencies.get(beforeKillLatencies.size() / 2) / 1_000;
        return new Outcome(beforeKill.size(), inLast100ms, lost, Duration.ofNanos(firstAfterKill.get() - killedAt.get()), afterKill,
                medianMicros);
    }

    private static void report(String mode, Outcome outcome) throws IOException {
        String line = String.format("%s %s: %d of %d session writes acknowledged before a SIGKILL of the Redis primary were lost "
                        + "(%d acknowledged in its last 100 ms; median write %d us); %d ms from the kill to the first write "
                        + "acknowledged by the promoted replica (503 meanwhile); %d acknowledged after%n",
                Instant.now(), mode, outcome.lost(), outcome.acknowledgedBeforeKill(), outcome.acknowledgedInLast100ms(),
                outcome.medianCreateMicros(), outcome.unavailableFor().toMillis(), outcome.acknowledgedAfter());
        System.out.print(line);
        Path file = Path.of("target", "session-failover.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
