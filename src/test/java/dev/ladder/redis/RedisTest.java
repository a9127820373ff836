package dev.ladder.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

class RedisTest {

    private static Config.Redis standalone(String address) {
        return new Config.Redis(Config.Redis.Mode.standalone, address, List.of(), "ladder", "",
                Duration.ofMillis(500), Duration.ofMillis(500), 4);
    }

    @Test
    void opensAPooledClientToARealServer() {
        try (RedisServer server = RedisServer.start();
             UnifiedJedis redis = Redis.open(standalone(server.address()), "redis-test")) {
            redis.set("greeting", "hello");
            assertThat(redis.get("greeting")).isEqualTo("hello");
        }
    }

    @Test
    void refusesToOpenWhenNoRedisIsConfigured() {
        Config.Redis none = new Config.Redis(Config.Redis.Mode.none, "", List.of(), "ladder", "",
                Duration.ofMillis(500), Duration.ofMillis(500), 4);
        assertThatThrownBy(() -> Redis.open(none, "x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badAddressesAreNamedByTheirKey() {
        assertThatThrownBy(() -> standalone("no-port")).isInstanceOf(ConfigException.class).hasMessageContaining("redis.address");
        assertThatThrownBy(() -> new Config.Redis(Config.Redis.Mode.sentinel, "", List.of(), "ladder", "",
                Duration.ofMillis(500), Duration.ofMillis(500), 4))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redis.sentinels");
        assertThatThrownBy(() -> new Config.Redis(Config.Redis.Mode.sentinel, "", List.of("h:99999"), "ladder", "",
                Duration.ofMillis(500), Duration.ofMillis(500), 4))
                .isInstanceOf(ConfigException.class).hasMessageContaining("port");
    }
}
