package dev.ladder.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The whole configuration of one node: immutable, typed, validated when built. Every record
 * checks its own keys and names the full key on a bad value, so start-up stops with one line.
 */
public record Config(
        String profile,
        Node node,
        Data data,
        Http http,
        Database database,
        Sessions sessions,
        Passwords passwords,
        Posts posts) {

    public Config {
        Check.notBlank("profile", profile);
        Check.present("node", node);
        Check.present("data", data);
        Check.present("http", http);
        Check.present("database", database);
        Check.present("sessions", sessions);
        Check.present("passwords", passwords);
        Check.present("posts", posts);
    }

    /** Which node this is: its id goes into every id it makes, so no two live nodes may share one. */
    public record Node(int id) {
        public Node {
            Check.range("node.id", id, 0, 1023);
        }
    }

    public record Data(String dir) {
        public Data {
            Check.notBlank("data.dir", dir);
        }

        public Path path() {
            return Path.of(dir).toAbsolutePath().normalize();
        }
    }

    public enum Threads { virtual, platform }

    public record Http(
            String host,
            int port,
            String adminHost,
            int adminPort,
            Threads threads,
            int maxThreads,
            int acceptQueue,
            int maxRequestBytes,
            Duration idleTimeout,
            Duration drainDelay,
            Duration stopTimeout,
            List<String> allowedOrigins) {

        private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?");

        public Http {
            Check.notBlank("http.host", host);
            Check.port("http.port", port);
            Check.notBlank("http.adminHost", adminHost);
            Check.port("http.adminPort", adminPort);
            if (port != 0 && port == adminPort) {
                throw new ConfigException("http.adminPort", "must differ from http.port (" + port + ")");
            }
            Check.present("http.threads", threads);
            Check.range("http.maxThreads", maxThreads, 8, 10_000);
            Check.range("http.acceptQueue", acceptQueue, 0, 65_535);
            Check.range("http.maxRequestBytes", maxRequestBytes, 1024, 16 * 1024 * 1024);
            Check.duration("http.idleTimeout", idleTimeout, Duration.ofSeconds(1), Duration.ofHours(1));
            Check.duration("http.drainDelay", drainDelay, Duration.ZERO, Duration.ofMinutes(5));
            Check.duration("http.stopTimeout", stopTimeout, Duration.ZERO, Duration.ofMinutes(5));
            Check.present("http.allowedOrigins", allowedOrigins);
            for (String origin : allowedOrigins) {
                if (!ORIGIN.matcher(origin).matches()) {
                    throw new ConfigException("http.allowedOrigins",
                            "\"" + origin + "\" is not an origin like https://example.com or http://host:8080");
                }
            }
            allowedOrigins = List.copyOf(allowedOrigins);
        }
    }

    public record Database(
            String url,
            String user,
            String password,
            int maxPoolSize,
            int minIdle,
            Duration connectionTimeout,
            Duration maxLifetime,
            boolean migrate) {

        public Database {
            Check.notBlank("database.url", url);
            if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:mysql:") && !url.startsWith("jdbc:mariadb:")) {
                throw new ConfigException("database.url", "must start with jdbc:h2: or jdbc:mysql: (got \""
                        + url.substring(0, Math.min(url.length(), 20)) + "...\")");
            }
            Check.present("database.user", user);
            Check.present("database.password", password);
            Check.range("database.maxPoolSize", maxPoolSize, 1, 1000);
            Check.range("database.minIdle", minIdle, 0, maxPoolSize);
            Check.duration("database.connectionTimeout", connectionTimeout, Duration.ofMillis(250), Duration.ofMinutes(1));
            Check.duration("database.maxLifetime", maxLifetime, Duration.ofSeconds(30), Duration.ofHours(24));
        }

        /** The JDBC URL with {dataDir} replaced by the node's data folder. */
        public String resolvedUrl(Path dataDir) {
            return url.replace("{dataDir}", dataDir.toString());
        }

        @Override
        public String toString() {
            return "Database[url=" + url + ", user=" + user + ", password=***, maxPoolSize=" + maxPoolSize + "]";
        }
    }

    public record Sessions(Duration ttl, String cookieName) {
        private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

        public Sessions {
            Check.duration("sessions.ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(365));
            Check.notBlank("sessions.cookieName", cookieName);
            if (!COOKIE_NAME.matcher(cookieName).matches()) {
                throw new ConfigException("sessions.cookieName", "must be 1-64 of [A-Za-z0-9_-]");
            }
        }
    }

    /** Argon2id cost. The defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane). */
    public record Passwords(int argon2MemoryKib, int argon2Iterations, int argon2Parallelism) {
        public Passwords {
            Check.range("passwords.argon2MemoryKib", argon2MemoryKib, 1024, 1024 * 1024);
            Check.range("passwords.argon2Iterations", argon2Iterations, 1, 20);
            Check.range("passwords.argon2Parallelism", argon2Parallelism, 1, 16);
        }
    }

    /**
     * cacheMegabytes bounds the in-process cache of rendered posts (0 turns it off); cacheTtl
     * bounds how long another node may serve a copy that this node's edit has invalidated.
     */
    public record Posts(Duration cacheMaxAge, int cacheMegabytes, Duration cacheTtl) {
        public Posts {
            Check.duration("posts.cacheMaxAge", cacheMaxAge, Duration.ZERO, Duration.ofDays(1));
            Check.range("posts.cacheMegabytes", cacheMegabytes, 0, 64 * 1024);
            Check.duration("posts.cacheTtl", cacheTtl, Duration.ofSeconds(1), Duration.ofDays(1));
        }
    }
}
