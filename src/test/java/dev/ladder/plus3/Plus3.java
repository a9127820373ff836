package dev.ladder.plus3;

import dev.ladder.cluster.Cluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * What the users-plus-3 tests reach besides the HTTP API: the load balancer's database endpoints
 * as the app's user, the Redis servers and the Sentinels. Built on {@link Cluster}'s status.
 */
public final class Plus3 {
    private Plus3() {
    }

    /** A connection as the app's user through the load balancer: {@code db} (the primary) or {@code db_read} (the replicas). */
    public static Connection database(Cluster.Status status, String lbPort) throws SQLException {
        return DriverManager.getConnection(status.jdbcUrl(lbPort), "ladder", status.secret("db-app"));
    }

    /** A client to one Redis server of the cluster, logged in with the cluster's password. */
    public static Jedis redis(Cluster.Status status, String host) {
        return new Jedis(new HostAndPort("127.0.0.1", status.host(host).port("redis")),
                DefaultJedisClientConfig.builder().password(status.secret("redis")).timeoutMillis(2000).build());
    }

    /** A client to one Sentinel (Sentinels take no password). */
    public static Jedis sentinel(Cluster.Status status, String host) {
        return new Jedis(new HostAndPort("127.0.0.1", status.host(host).port("sentinel")),
                DefaultJedisClientConfig.builder().timeoutMillis(2000).build());
    }

    /**
     * The Redis server each running Sentinel names primary now (sentinel → Redis host), from
     * SENTINEL get-master-addr-by-name; a Sentinel that does not answer is left out.
     */
    public static Map<String, String> primaryBySentinel(Cluster.Status status) {
        Map<Integer, String> byPort = new java.util.HashMap<>();
        for (String group : List.of("redis_primary", "redis_replica")) {
            status.group(group).forEach(host -> byPort.put(host.port("redis"), host.name()));
        }
        Map<String, String> answers = new java.util.TreeMap<>();
        for (Cluster.Host sentinel : status.group("sentinel")) {
            try (Jedis client = sentinel(status, sentinel.name())) {
                List<String> address = client.sentinelGetMasterAddrByName(status.redisMasterName());
                answers.put(sentinel.name(), byPort.getOrDefault(Integer.parseInt(address.get(1)), address.get(0) + ":" + address.get(1)));
            } catch (RuntimeException e) {
                // Not running, or not answering: it names nobody.
            }
        }
        return answers;
    }
}
