package dev.ladder.sessions;

import dev.ladder.http.ApiException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Sessions in the shared Redis, so any node can serve anyone and a node's death logs nobody out.
 *
 * <p>Keys: {@code ladder:session:<token hash>}, a hash (user, handle, created, expires) that
 * Redis expires itself when the session's time is up; {@code ladder:user-sessions:<user id>}, a
 * sorted set of the user's token hashes scored by expiry, which "log out everywhere" walks. The
 * index is cleaned of expired entries on every login, bounded to {@link #MAX_SESSIONS_PER_USER}
 * (a login beyond it ends the user's session closest to expiry) and expires with its last
 * session. Every change is one Lua script, so a key and its index never disagree, and an
 * extension never brings back a session a logout deleted. The scripts delete session keys they
 * find in the index, so they suit one primary (standalone or Sentinel, ElastiCache with cluster
 * mode off), not Redis Cluster. The handle is copied into the session: handles never change.
 *
 * <p>Expiry is judged by the caller's clock (the {@code expires} field); Redis's own TTL, set to
 * the same span, only frees the memory. A call that cannot reach Redis is tried again with
 * backoff for about {@link #RIDE_OUT} (resilience4j Retry): long enough for Sentinel to promote the
 * replica (2.4-3.9 s measured locally), so a primary's death slows requests instead of failing
 * them; every call is idempotent, so a retry cannot do twice what a lost reply did once. A Redis
 * that stays away means sessions cannot be checked: the call then throws a 503 problem, never
 * "logged out".
 *
 * <p>waitForReplica: after a login or a logout, Redis WAIT 1 on the same connection, so the call
 * returns once a replica holds the change (or the timeout passed; the change stands either way).
 */
public final class RedisSessionStore implements SessionStore {
    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    private static final AtomicLong UNAVAILABLE = new AtomicLong();
    private static final AtomicLong LAST_LOGGED = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    /** Live sessions one user may hold; the next login ends the one closest to expiry. */
    static final int MAX_SESSIONS_PER_USER = 1000;
    static final String SESSION_PREFIX = "ladder:session:";
    static final String USER_PREFIX = "ladder:user-sessions:";

    private static final String CREATE = """
            redis.call('HSET', KEYS[1], 'user', ARGV[1], 'handle', ARGV[2], 'created', ARGV[3], 'expires', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
            local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[8])
            if over > 0 then
              local oldest = redis.call('ZPOPMIN', KEYS[2], over)
              for i = 1, #oldest, 2 do redis.call('DEL', ARGV[9] .. oldest[i]) end
            end
            if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
            return 1
            """;

    private static final String EXTEND = """
            local expires = redis.call('HGET', KEYS[1], 'expires')
            if not expires or tonumber(expires) <= tonumber(ARGV[4]) then return 0 end
            redis.call('HSET', KEYS[1], 'expires', ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
            if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
            return 1
            """;

    private static final String DELETE = """
            redis.call('DEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return 1
            """;

    private static final String DELETE_ALL = """
            local hashes = redis.call('ZRANGE', KEYS[1], 0, -1)
            for _, hash in ipairs(hashes) do redis.call('DEL', ARGV[1] .. hash) end
            redis.call('DEL', KEYS[1])
            return hashes
            """;

    /** About how long a call keeps trying an unreachable Redis: 100 ms, then 1.5x, at most 1 s apart. */
    static final Duration RIDE_OUT = Duration.ofSeconds(7);

    private final UnifiedJedis redis;
    private final Retry retry;
    private final Duration waitForReplica;
    private final int maxSessionsPerUser;

    /** redis is shared with the node's other users of Redis: the caller closes it, not this store. */
    public RedisSessionStore(UnifiedJedis redis, Duration waitForReplica) {
        this(redis, waitForReplica, MAX_SESSIONS_PER_USER, RIDE_OUT);
    }

    /** rideOut: how long a call keeps trying an unreachable Redis (zero: one attempt). */
    RedisSessionStore(UnifiedJedis redis, Duration waitForReplica, int maxSessionsPerUser, Duration rideOut) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.waitForReplica = Objects.requireNonNull(waitForReplica, "waitForReplica");
        this.maxSessionsPerUser = maxSessionsPerUser;
        this.retry = Retry.of("session-store", RetryConfig.custom()
                .maxAttempts(attemptsWithin(rideOut))
                .intervalFunction(IntervalFunction.ofExponentialBackoff(FIRST_WAIT, BACKOFF, LONGEST_WAIT))
                .retryOnException(RedisSessionStore::worthRetrying)
                .failAfterMaxAttempts(false)
                .build());
    }

    private static final Duration FIRST_WAIT = Duration.ofMillis(100);
    private static final double BACKOFF = 1.5;
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(1);

    /** Attempts whose backoff waits add up to about rideOut. */
    static int attemptsWithin(Duration rideOut) {
        int attempts = 1;
        double waited = 0;
        double wait = FIRST_WAIT.toMillis();
        while (waited + wait <= rideOut.toMillis()) {
            waited += wait;
            attempts++;
            wait = Math.min(wait * BACKOFF, LONGEST_WAIT.toMillis());
        }
        return attempts;
    }

    /** Connection failures and the replies of a failover in progress; never a script or type error (a bug). */
    private static boolean worthRetrying(Throwable e) {
        return e instanceof JedisConnectionException
                || (e instanceof JedisException jedis && !(e instanceof JedisDataException))
                || (e instanceof JedisDataException data && isTransient(data));
    }

    @Override
    public void create(String tokenHash, long userId, String handle, long createdAt, long expiresAt) {
        List<String> keys = List.of(SESSION_PREFIX + tokenHash, USER_PREFIX + userId);
        List<String> args = List.of(Long.toString(userId), handle, Long.toString(createdAt), Long.toString(expiresAt),
                Long.toString(Math.max(1, expiresAt - createdAt)), tokenHash, Long.toString(createdAt),
                Integer.toString(maxSessionsPerUser), SESSION_PREFIX);
        write(CREATE, keys, args);
    }

    @Override
    public Optional<Session> find(String tokenHash, long now) {
        List<String> fields = call(() -> redis.hmget(SESSION_PREFIX + tokenHash, "user", "handle", "expires"));
        if (fields == null || fields.size() != 3 || fields.contains(null)) {
            return Optional.empty();
        }
        long expiresAt = Long.parseLong(fields.get(2));
        if (expiresAt <= now) {
            return Optional.empty();
        }
        return Optional.of(new Session(Long.parseLong(fields.get(0)), fields.get(1), expiresAt));
    }

    @Override
    public boolean extend(String tokenHash, long userId, long expiresAt, long now) {
        Object extended = call(() -> redis.eval(EXTEND, List.of(SESSION_PREFIX + tokenHash, USER_PREFIX + userId),
                List.of(Long.toString(expiresAt), Long.toString(Math.max(1, expiresAt - now)), tokenHash, Long.toString(now))));
        return Long.valueOf(1).equals(extended);
    }

    @Override
    public void delete(String tokenHash, long userId) {
        write(DELETE, List.of(SESSION_PREFIX + tokenHash, USER_PREFIX + userId), List.of(tokenHash));
    }

    @Override
    public List<String> deleteAllOf(long userId) {
        Object deleted = write(DELETE_ALL, List.of(USER_PREFIX + userId), List.of(SESSION_PREFIX));
        List<String> hashes = new ArrayList<>();
        if (deleted instanceof List<?> list) {
            list.forEach(hash -> hashes.add(hash.toString()));
        }
        return hashes;
    }

    /** Redis expires sessions itself (and each login trims its user's index). */
    @Override
    public int purgeExpired(long now, int limit) {
        return 0;
    }

    /**
     * Runs a script that creates or ends sessions; with waitForReplica, then WAIT 1 on the same
     * connection (WAIT counts its own connection's writes), so a failover right after cannot undo
     * it: neither lose a login nor bring back a logged-out token. Extensions do not wait (losing
     * one costs nothing).
     */
    private Object write(String script, List<String> keys, List<String> args) {
        if (waitForReplica.isZero()) {
            return call(() -> redis.eval(script, keys, args));
        }
        return call(() -> {
            try (AbstractPipeline pipeline = redis.pipelined()) {
                Response<Object> result = pipeline.eval(script, keys, args);
                pipeline.waitReplicas(keys.get(0), 1, waitForReplica.toMillis());
                pipeline.sync();
                return result.get();
            }
        });
    }

    private <T> T call(Supplier<T> command) {
        try {
            return retry.executeSupplier(command);
        } catch (JedisException e) {
            if (e instanceof JedisDataException && !isTransient(e)) {
                throw e; // a script or type error is a bug: the 500 path logs it
            }
            logUnavailable(e);
            throw new ApiException(503, "unavailable", "Service unavailable",
                    "the session store could not be reached, so the session cannot be checked; retry shortly");
        }
    }

    /** One warning a second at most while Redis is away, with how many failures it stands for: the log stays bounded. */
    private static void logUnavailable(JedisException e) {
        long failures = UNAVAILABLE.incrementAndGet();
        long now = System.nanoTime();
        long last = LAST_LOGGED.get();
        if (now - last >= 1_000_000_000L && LAST_LOGGED.compareAndSet(last, now)) {
            UNAVAILABLE.addAndGet(-failures);
            log.warn("Session store unavailable ({} failed calls since the last warning): {}", failures, e.toString());
        }
    }

    /** Replies a failover produces for a moment: a demoted primary refusing writes, a replica loading, no primary. */
    private static boolean isTransient(JedisException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        return message.startsWith("READONLY") || message.startsWith("LOADING") || message.startsWith("MASTERDOWN")
                || message.startsWith("NOREPLICAS") || message.startsWith("UNBLOCKED");
    }
}
