package dev.ladder.redis;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.providers.ConnectionProvider;
import redis.clients.jedis.providers.SentineledConnectionProvider;

/**
 * Jedis's Sentinel connection provider, made once a Sentinel answers rather than at start-up.
 * Jedis asks the Sentinels for the primary in the provider's constructor and throws when none
 * answers, which used to stop the node from starting. Here a background thread tries every
 * retryEvery until it succeeds; meanwhile every Redis call fails at once with a
 * JedisConnectionException, which the cache, the rate limits and the session store already treat
 * as "Redis is down" (database reads, per-node limits, 503 for sessions). Request threads never
 * wait for the attempt.
 */
final class LateSentinelProvider implements ConnectionProvider {
    private static final Logger log = LoggerFactory.getLogger(LateSentinelProvider.class);

    private final Supplier<SentineledConnectionProvider> open;
    private final String describe;
    private final Duration retryEvery;
    private final Thread connector;
    private volatile SentineledConnectionProvider delegate;
    private volatile boolean closed;

    /** open: makes Jedis's provider (asks the Sentinels); describe: the master name and Sentinels, for messages. */
    LateSentinelProvider(Supplier<SentineledConnectionProvider> open, String describe, Duration retryEvery) {
        this.open = Objects.requireNonNull(open, "open");
        this.describe = Objects.requireNonNull(describe, "describe");
        this.retryEvery = Objects.requireNonNull(retryEvery, "retryEvery");
        // The first attempt runs here, so a node whose Sentinels answer starts exactly as before.
        RuntimeException failed = attempt(true);
        if (failed != null) {
            log.warn("Redis Sentinels for {} do not answer ({}): starting without Redis, trying again every {} ms", describe,
                    failed.toString(), retryEvery.toMillis());
        }
        this.connector = delegate != null ? null : Thread.ofPlatform().name("redis-sentinel-connect").daemon().start(this::connectUntilDone);
    }

    /** Whether a Sentinel has answered and the client follows the primary it named. */
    boolean connected() {
        return delegate != null;
    }

    /** One try at asking the Sentinels; returns what failed, or null once connected (or closed). */
    private RuntimeException attempt(boolean first) {
        try {
            SentineledConnectionProvider made = open.get();
            synchronized (this) {
                if (closed) {
                    made.close();
                    return null;
                }
                delegate = made;
            }
            if (!first) {
                log.info("A Redis Sentinel answers for {}: Redis is in use", describe);
            }
            return null;
        } catch (RuntimeException e) {
            log.debug("Redis Sentinels for {} still do not answer: {}", describe, e.toString());
            return e;
        }
    }

    private void connectUntilDone() {
        while (!closed && delegate == null) {
            try {
                Thread.sleep(retryEvery);
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                attempt(false);
            }
        }
    }

    private SentineledConnectionProvider delegate() {
        SentineledConnectionProvider current = delegate;
        if (current == null) {
            throw new JedisConnectionException("no Redis Sentinel has answered yet for " + describe);
        }
        return current;
    }

    @Override
    public Connection getConnection() {
        return delegate().getConnection();
    }

    @Override
    public Connection getConnection(CommandArguments args) {
        return delegate().getConnection(args);
    }

    @Override
    public Map<?, ?> getConnectionMap() {
        SentineledConnectionProvider current = delegate;
        return current == null ? Map.of() : current.getConnectionMap();
    }

    @Override
    public Map<?, ?> getPrimaryNodesConnectionMap() {
        SentineledConnectionProvider current = delegate;
        return current == null ? Map.of() : current.getPrimaryNodesConnectionMap();
    }

    @Override
    public void close() {
        SentineledConnectionProvider current;
        synchronized (this) {
            closed = true;
            current = delegate;
        }
        if (connector != null) {
            connector.interrupt();
        }
        if (current != null) {
            current.close();
        }
    }
}
