package dev.ladder.redis;

import dev.ladder.config.Config;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.SentineledConnectionProvider;

/**
 * Opens the one Redis client a node shares between its cache and its session store: a pooled
 * client to one server (standalone) or one that asks the Sentinels which server is primary and
 * follows a failover (sentinel). Callers own the client and close it. A Sentinel client opens even
 * when no Sentinel answers yet, and starts using Redis once one does ({@link #connected}).
 */
public final class Redis {
    private Redis() {
    }

    /** The client for config; fails when redis.mode is none (nothing asked for Redis). */
    public static UnifiedJedis open(Config.Redis config, String clientName) {
        JedisClientConfig client = clientConfig(config, clientName);
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(config.maxPoolSize());
        pool.setMaxIdle(config.maxPoolSize());
        pool.setMinIdle(0);
        // A request waits briefly for a free connection rather than piling up behind a slow Redis.
        pool.setMaxWait(config.connectTimeout().plus(config.socketTimeout()));
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));
        pool.setJmxEnabled(false);
        return switch (config.mode()) {
            case none -> throw new IllegalStateException("redis.mode is none: no Redis to open");
            case standalone -> new JedisPooled(hostAndPort(config.address()), client, pool);
            case sentinel -> {
                Set<HostAndPort> sentinels = new LinkedHashSet<>();
                config.sentinels().forEach(sentinel -> sentinels.add(hostAndPort(sentinel)));
                JedisClientConfig sentinelClient = DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(millis(config.connectTimeout()))
                        .socketTimeoutMillis(millis(config.socketTimeout()))
                        .clientName(clientName + "-sentinel")
                        .build();
                // Not JedisSentineled: its constructor throws when no Sentinel answers, and a node must start anyway.
                LateSentinelProvider provider = new LateSentinelProvider(
                        () -> new SentineledConnectionProvider(config.masterName(), client, pool, sentinels, sentinelClient),
                        "master " + config.masterName() + " at " + config.sentinels(), SENTINEL_RETRY);
                yield new SentinelClient(provider, client);
            }
        };
    }

    /** How often a node that started without an answering Sentinel asks again. */
    static final Duration SENTINEL_RETRY = Duration.ofSeconds(1);

    /**
     * Whether client can reach Redis at all yet: false only for a Sentinel client while no Sentinel
     * has answered since start-up (after that, Jedis follows the Sentinels and a Redis outage shows
     * as failed calls, as with a standalone server).
     */
    public static boolean connected(UnifiedJedis client) {
        return !(client instanceof SentinelClient sentinel) || sentinel.provider.connected();
    }

    /** A client that asks the Sentinels for the primary once they answer ({@link LateSentinelProvider}). */
    private static final class SentinelClient extends UnifiedJedis {
        private final LateSentinelProvider provider;

        SentinelClient(LateSentinelProvider provider, JedisClientConfig client) {
            super(provider, client.getRedisProtocol());
            this.provider = provider;
        }
    }

    static JedisClientConfig clientConfig(Config.Redis config, String clientName) {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis(config.connectTimeout()))
                .socketTimeoutMillis(millis(config.socketTimeout()))
                .clientName(clientName);
        if (!config.password().isEmpty()) {
            builder.password(config.password());
        }
        return builder.build();
    }

    /** "host:port" as validated by Config.Redis. */
    static HostAndPort hostAndPort(String text) {
        int colon = text.lastIndexOf(':');
        return new HostAndPort(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
