package dev.ladder.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ladder.config.Config.Role;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys a node needs among several: its name, its roles, X-Served-By and the proxies it trusts. */
class ClusterConfigTest {
    private static Config load(Map<String, String> env) {
        return ConfigLoader.standard().load("embedded", env);
    }

    @Test
    void byDefaultANodeIsNamedAfterItsHostAndTrustsNoProxy() {
        Config config = load(Map.of());

        assertThat(config.node().name()).isNotBlank().doesNotContain(".");
        assertThat(config.http().servedBy()).isFalse();
        assertThat(config.http().trustedProxies()).isEmpty();
    }

    @Test
    void rolesAreSpeltWithHyphensAsInTheInventory() {
        Config read = load(Map.of("LADDER_NODE_ROLES", "read-api", "LADDER_NODE_NAME", "read1"));
        Config write = load(Map.of("LADDER_NODE_ROLES", "write-api,worker"));

        assertThat(read.node().roles()).containsExactly(Role.readApi);
        assertThat(read.node().name()).isEqualTo("read1");
        assertThat(read.node().readOnly()).isTrue();
        assertThat(read.node().servesPublic()).isTrue();
        assertThat(write.node().roles()).containsExactly(Role.writeApi, Role.worker);
        assertThat(write.node().readOnly()).isFalse();
        assertThat(load(Map.of("LADDER_NODE_ROLES", "worker")).node().servesPublic()).isFalse();
        assertThat(Role.readApi).hasToString("read-api");
    }

    @Test
    void aNodeHasAtMostOnePublicRole() {
        assertThatThrownBy(() -> load(Map.of("LADDER_NODE_ROLES", "read-api,write-api")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.roles: may name only one of web, read-api, write-api");
        assertThatThrownBy(() -> load(Map.of("LADDER_NODE_ROLES", "readApi")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.roles");
        assertThatThrownBy(() -> load(Map.of("LADDER_NODE_ROLES", "")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.roles: must name at least one");
    }

    @Test
    void aNodeNameIsAShortPlainWord() {
        assertThatThrownBy(() -> load(Map.of("LADDER_NODE_NAME", "read 1")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.name: ");
        assertThatThrownBy(() -> load(Map.of("LADDER_NODE_NAME", "x".repeat(65))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.name: ");
    }

    @Test
    void trustedProxiesAreAddressesOrRangesNeverHostNames() {
        Config config = load(Map.of("LADDER_HTTP_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, fd00::/8, ::1", "LADDER_HTTP_SERVED_BY", "true"));

        assertThat(config.http().trustedProxies()).containsExactly("127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1");
        assertThat(config.http().servedBy()).isTrue();
        for (String bad : new String[] {"lb.example.com", "10.0.0.0/33", "300.1.1.1", "10.0.0", "fd00::/129", "10.0.0.1/x"}) {
            assertThatThrownBy(() -> load(Map.of("LADDER_HTTP_TRUSTED_PROXIES", bad))).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageStartingWith("http.trustedProxies: \"" + bad + "\" is not an IP address");
        }
    }
}
