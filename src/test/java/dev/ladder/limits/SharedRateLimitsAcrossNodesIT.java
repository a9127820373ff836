package dev.ladder.limits;

import static dev.ladder.testing.ApiAssertions.assertProblem;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.RedisServer;
import dev.ladder.testing.TestApp;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * Two nodes on one MariaDB and one Redis with rate limits on: a client whose requests a load
 * balancer spreads over both meets one limit, not one per node; and with Redis dead, requests
 * still answer, limited per node. Clients are loopback addresses (127.0.0.x).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedRateLimitsAcrossNodesIT {
    private RedisServer redis;
    private TestApp first;
    private TestApp second;

    @BeforeAll
    void startTwoNodesOnOneDatabaseAndOneRedis() {
        redis = RedisServer.start();
        MariaDb mariaDb = MariaDb.shared();
        String database = mariaDb.createDatabase();
        first = TestApp.start("single-box", node(mariaDb, database, 1, "write-api,worker"));
        second = TestApp.start("single-box", node(mariaDb, database, 2, "write-api"));
    }

    private Map<String, String> node(MariaDb mariaDb, String database, int id, String roles) {
        Map<String, String> env = TestApp.nodeOverrides(mariaDb, database, id, roles);
        env.put("LADDER_REDIS_MODE", "standalone");
        env.put("LADDER_REDIS_ADDRESS", redis.address());
        env.put("LADDER_RATE_LIMITS_ENABLED", "true");
        env.put("LADDER_RATE_LIMITS_SIGN_UP_PER_IP", "3/1h");
        env.put("LADDER_RATE_LIMITS_LOGIN_PER_IP", "100/1h");
        env.put("LADDER_RATE_LIMITS_LOGIN_PER_ACCOUNT_AND_IP", "100/1h");
        env.put("LADDER_RATE_LIMITS_LOGIN_PER_ACCOUNT", "3/1h");
        return env;
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {second, first, redis}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** A client at address talking to each node (as a load balancer would send it to either). */
    private List<Api> bothNodesFrom(String address) throws Exception {
        InetAddress local = InetAddress.getByName(address);
        return List.of(new Api(first.apiUri(), local), new Api(second.apiUri(), local));
    }

    private static Reply signUp(Api api, String handle) {
        return api.post("/api/users", Api.json(Map.of("handle", handle, "email", handle + "@example.com", "password", "password123")));
    }

    private static Reply logIn(Api api, String handle, String password) {
        return api.post("/api/sessions", Api.json(Map.of("handle", handle, "password", password)));
    }

    private static void assertRateLimited(Reply reply) {
        assertProblem(reply, 429, "rate-limited");
        assertThat(reply.header("Retry-After")).matches("[1-9][0-9]*");
    }

    @Test
    void signUpsSpreadOverBothNodesMeetOneLimit() throws Exception {
        List<Api> client = bothNodesFrom("127.0.0.50");
        // Three sign-ups, alternating nodes: the limit is three per address, across both.
        for (int i = 0; i < 3; i++) {
            assertThat(signUp(client.get(i % 2), uniqueHandle("spread")).status()).as("sign-up %d", i + 1).isEqualTo(201);
        }
        assertRateLimited(signUp(client.get(1), uniqueHandle("spread")));
        assertRateLimited(signUp(client.get(0), uniqueHandle("spread")));
        try (Jedis jedis = redis.connect()) {
            assertThat(jedis.exists(RedisRateLimiter.KEY_PREFIX + "signup-ip:127.0.0.50@3/1h")).as("the bucket is in Redis").isTrue();
        }
        // Another address has its own bucket.
        assertThat(signUp(bothNodesFrom("127.0.0.51").get(1), uniqueHandle("spread")).status()).isEqualTo(201);
    }

    @Test
    void passwordGuessesSpreadOverBothNodesMeetOneLimitPerAccount() throws Exception {
        String handle = uniqueHandle("guessed");
        assertThat(signUp(bothNodesFrom("127.0.0.60").get(0), handle).status()).isEqualTo(201);
        // Three wrong guesses from three addresses, through alternating nodes: the account takes three failures.
        for (int i = 0; i < 3; i++) {
            Api guesser = bothNodesFrom("127.0.0." + (61 + i)).get(i % 2);
            assertThat(logIn(guesser, handle, "wrong-guess-" + i).status()).isEqualTo(401);
        }
        assertRateLimited(logIn(bothNodesFrom("127.0.0.64").get(1), handle, "wrong-guess-3"));
        assertRateLimited(logIn(bothNodesFrom("127.0.0.65").get(0), handle, "wrong-guess-4"));
    }

    // Last: the failures it causes count in each node's breaker, which could open on the next few calls and
    // make the nodes limit on their own for a while, as designed, but not what the tests above check.
    @Test
    @Order(Integer.MAX_VALUE)
    void withRedisDeadRequestsStillAnswerAndEachNodeLimitsOnItsOwn() throws Exception {
        List<Api> client = bothNodesFrom("127.0.0.70");
        redis.kill();
        try {
            for (Api node : client) {
                // Each node's own buckets: three sign-ups per node, then 429 (not 500, not unlimited).
                for (int i = 0; i < 3; i++) {
                    assertThat(signUp(node, uniqueHandle("redisdown")).status()).isEqualTo(201);
                }
                assertRateLimited(signUp(node, uniqueHandle("redisdown")));
            }
        } finally {
            redis.restart();
        }
    }
}
