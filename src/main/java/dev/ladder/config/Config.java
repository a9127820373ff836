package dev.ladder.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
        Posts posts,
        Storage storage,
        Queue queue,
        Worker worker,
        Photos photos,
        Web web,
        Idempotency idempotency,
        RateLimits rateLimits,
        Redis redis,
        Cache cache,
        Errors errors) {

    public Config {
        Check.notBlank("profile", profile);
        Check.present("node", node);
        Check.present("data", data);
        Check.present("http", http);
        Check.present("database", database);
        Check.present("sessions", sessions);
        Check.present("passwords", passwords);
        Check.present("posts", posts);
        Check.present("storage", storage);
        Check.present("queue", queue);
        Check.present("worker", worker);
        Check.present("photos", photos);
        Check.present("web", web);
        Check.present("idempotency", idempotency);
        Check.present("rateLimits", rateLimits);
        Check.present("redis", redis);
        Check.present("cache", cache);
        Check.present("errors", errors);
        if (cache.kind() == Cache.Kind.redis && redis.mode() == Redis.Mode.none) {
            throw new ConfigException("cache.kind", "redis needs redis.mode standalone or sentinel (redis.mode is none)");
        }
        if (sessions.store() == Sessions.Store.redis && redis.mode() == Redis.Mode.none) {
            throw new ConfigException("sessions.store", "redis needs redis.mode standalone or sentinel (redis.mode is none)");
        }
        if (sessions.store() == Sessions.Store.redis && sessions.waitForReplica().compareTo(redis.socketTimeout()) >= 0) {
            throw new ConfigException("sessions.waitForReplica", "must be below redis.socketTimeout (" + redis.socketTimeout().toMillis()
                    + "ms), or a login waiting for its replica is cut off as a dead Redis");
        }
        if (web.assets() == Web.Assets.published && storage.kind() == Storage.Kind.s3 && storage.publicBaseUrl().isEmpty()) {
            throw new ConfigException("web.assets", "published needs storage.publicBaseUrl (a CDN or public bucket URL) when storage.kind is s3");
        }
    }

    public boolean hasRole(Role role) {
        return node.roles().contains(role);
    }

    /**
     * What a node does. web, read-api and write-api serve the public API and page on http.port
     * (a node has at most one of them): web and write-api serve every method, read-api only GET
     * and HEAD (a misrouted change gets 405, loudly). worker runs queued jobs and housekeeping.
     * Spelt with hyphens in YAML and in LADDER_NODE_ROLES.
     */
    public enum Role {
        web,
        @JsonProperty("read-api") readApi,
        @JsonProperty("write-api") writeApi,
        worker;

        /** As written in config (read-api, not readApi). */
        @Override
        public String toString() {
            return switch (this) {
                case readApi -> "read-api";
                case writeApi -> "write-api";
                default -> name();
            };
        }
    }

    /**
     * Which node this is: its id goes into every id it makes, so no two live nodes may share one;
     * its name (empty: the host name) is what X-Served-By and the logs call it. id is 0-1023, or
     * {@code auto}: the node leases the lowest free id in the database for idLease at a time
     * (renewed while it lives; see dev.ladder.ids.NodeIdLease).
     */
    public record Node(String id, Duration idLease, String name, List<Role> roles) {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
        private static final List<Role> PUBLIC = List.of(Role.web, Role.readApi, Role.writeApi);
        /** The id that means "lease one". */
        public static final String AUTO = "auto";

        public Node {
            Check.present("node.id", id);
            id = id.trim();
            if (!id.equals(AUTO)) {
                int number;
                try {
                    number = Integer.parseInt(id);
                } catch (NumberFormatException e) {
                    throw new ConfigException("node.id", "must be 0-1023 or auto (got \"" + id + "\")");
                }
                Check.range("node.id", number, 0, 1023);
                id = Integer.toString(number);
            }
            Check.duration("node.idLease", idLease, Duration.ofSeconds(3), Duration.ofHours(1));
            Check.present("node.name", name);
            if (name.isBlank()) {
                name = hostName();
            }
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException("node.name", "must be 1-64 of [A-Za-z0-9._-] (got \"" + name + "\")");
            }
            Check.present("node.roles", roles);
            if (roles.isEmpty()) {
                throw new ConfigException("node.roles", "must name at least one of web, read-api, write-api, worker");
            }
            if (roles.contains(null)) {
                throw new ConfigException("node.roles", "has an empty entry: " + roles);
            }
            if (roles.stream().distinct().count() != roles.size()) {
                throw new ConfigException("node.roles", "names a role twice: " + roles);
            }
            if (roles.stream().filter(PUBLIC::contains).count() > 1) {
                throw new ConfigException("node.roles", "may name only one of web, read-api, write-api (got " + roles + ")");
            }
            roles = List.copyOf(roles);
        }

        /** Whether the id is leased from the database ({@code node.id: auto}) rather than configured. */
        public boolean autoId() {
            return id.equals(AUTO);
        }

        /** The configured id; empty when it is leased. */
        public java.util.OptionalInt fixedId() {
            return autoId() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(Integer.parseInt(id));
        }

        /** Whether this node serves the public API and page (web, read-api or write-api). */
        public boolean servesPublic() {
            return roles.stream().anyMatch(PUBLIC::contains);
        }

        /** A read-api node: GET and HEAD only. */
        public boolean readOnly() {
            return roles.contains(Role.readApi);
        }

        private static String hostName() {
            try {
                String host = InetAddress.getLocalHost().getHostName();
                int dot = host.indexOf('.');
                return dot > 0 ? host.substring(0, dot) : host;
            } catch (UnknownHostException e) {
                return "localhost";
            }
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
            int minRequestDataRate,
            Duration drainDelay,
            Duration stopTimeout,
            List<String> allowedOrigins,
            boolean servedBy,
            List<String> trustedProxies) {

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
            Check.range("http.minRequestDataRate", minRequestDataRate, 0, 100 * 1024 * 1024);
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
            Check.present("http.trustedProxies", trustedProxies);
            for (String proxy : trustedProxies) {
                if (!Check.isAddressOrRange(proxy)) {
                    throw new ConfigException("http.trustedProxies",
                            "\"" + proxy + "\" is not an IP address or CIDR range like 10.0.0.5, 10.0.0.0/24 or fd00::/8");
                }
            }
            trustedProxies = List.copyOf(trustedProxies);
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
            boolean migrate,
            String trustStore,
            String trustStorePassword,
            Replica replica) {

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
            Check.present("database.trustStore", trustStore);
            Check.present("database.trustStorePassword", trustStorePassword);
            if (!trustStore.isEmpty() && !java.nio.file.Files.isReadable(Path.of(trustStore))) {
                throw new ConfigException("database.trustStore", "cannot read \"" + trustStore + "\"");
            }
            Check.present("database.replica", replica);
            if (replica.configured() && url.startsWith("jdbc:h2:")) {
                throw new ConfigException("database.replica.url", "needs a MariaDB primary (database.url is H2, which has no replicas)");
            }
        }

        /** The JDBC URL with {dataDir} replaced by the node's data folder. */
        public String resolvedUrl(Path dataDir) {
            return url.replace("{dataDir}", dataDir.toString());
        }

        @Override
        public String toString() {
            return "Database[url=" + url + ", user=" + user + ", password=***, maxPoolSize=" + maxPoolSize
                    + ", trustStore=" + trustStore + ", trustStorePassword=***, replica=" + replica + "]";
        }

        /**
         * Read replicas (Users+++), reached with the primary's user, password and trust store. url
         * empty: none, every read goes to the primary. Reads a service marks as possibly stale go
         * to this pool; a client's reads after its own writes wait up to readYourWritesWait for the
         * replica to apply them (MASTER_GTID_WAIT), else go to the primary. connectionTimeout: how
         * long a read waits for a replica connection before it goes to the primary instead.
         */
        public record Replica(String url, int maxPoolSize, int minIdle, Duration connectionTimeout, Duration readYourWritesWait) {
            public Replica {
                Check.present("database.replica.url", url);
                if (!url.isEmpty() && !url.startsWith("jdbc:mysql:") && !url.startsWith("jdbc:mariadb:")) {
                    throw new ConfigException("database.replica.url", "must be empty or start with jdbc:mysql: (got \""
                            + url.substring(0, Math.min(url.length(), 20)) + "...\")");
                }
                Check.range("database.replica.maxPoolSize", maxPoolSize, 1, 1000);
                Check.range("database.replica.minIdle", minIdle, 0, maxPoolSize);
                // Hikari's own minimum is 250 ms.
                Check.duration("database.replica.connectionTimeout", connectionTimeout, Duration.ofMillis(250), Duration.ofSeconds(30));
                Check.duration("database.replica.readYourWritesWait", readYourWritesWait, Duration.ZERO, Duration.ofSeconds(10));
            }

            /** Whether there are replicas at all. */
            public boolean configured() {
                return !url.isEmpty();
            }
        }
    }

    /**
     * Log-in sessions. store: where they live (database: the sessions table, remembered per node
     * for cacheTtl; redis: the shared Redis, no per-node copy, so a logout holds on every node at
     * once). waitForReplica (redis only): after creating or ending a session, wait up to this long
     * for a replica to acknowledge it (Redis WAIT 1), so a primary failover right after does not
     * lose a login or revive a logged-out token; 0s: do not wait (asynchronous replication).
     */
    public record Sessions(Duration ttl, String cookieName, Duration cacheTtl, Store store, Duration waitForReplica) {
        public enum Store { database, redis }

        private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

        public Sessions {
            Check.duration("sessions.ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(365));
            Check.duration("sessions.cacheTtl", cacheTtl, Duration.ZERO, Duration.ofMinutes(5));
            Check.present("sessions.store", store);
            Check.duration("sessions.waitForReplica", waitForReplica, Duration.ZERO, Duration.ofSeconds(5));
            Check.notBlank("sessions.cookieName", cookieName);
            if (!COOKIE_NAME.matcher(cookieName).matches()) {
                throw new ConfigException("sessions.cookieName", "must be 1-64 of [A-Za-z0-9_-]");
            }
        }
    }

    /**
     * Argon2id cost. The defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane). At most
     * maxConcurrentHashes hashes run at once (each takes its memory and a core); a sign-up or login
     * that cannot start one within hashWait gets 503 busy, so a flood cannot exhaust the node.
     */
    public record Passwords(int argon2MemoryKib, int argon2Iterations, int argon2Parallelism, int maxConcurrentHashes,
                            Duration hashWait) {
        public Passwords {
            Check.range("passwords.argon2MemoryKib", argon2MemoryKib, 1024, 1024 * 1024);
            Check.range("passwords.argon2Iterations", argon2Iterations, 1, 20);
            Check.range("passwords.argon2Parallelism", argon2Parallelism, 1, 16);
            Check.range("passwords.maxConcurrentHashes", maxConcurrentHashes, 1, 1024);
            Check.duration("passwords.hashWait", hashWait, Duration.ZERO, Duration.ofSeconds(30));
        }
    }

    /**
     * cacheMegabytes bounds the in-process cache of rendered posts (0 turns it off); cacheTtl
     * bounds how long another node may serve a copy that this node's edit has invalidated;
     * insertGroupRows is the most plain posts created at the same moment that share one INSERT
     * and commit (1: each post on its own).
     */
    public record Posts(Duration cacheMaxAge, int cacheMegabytes, Duration cacheTtl, int insertGroupRows) {
        public Posts {
            Check.duration("posts.cacheMaxAge", cacheMaxAge, Duration.ZERO, Duration.ofDays(1));
            Check.range("posts.cacheMegabytes", cacheMegabytes, 0, 64 * 1024);
            Check.duration("posts.cacheTtl", cacheTtl, Duration.ofSeconds(1), Duration.ofDays(1));
            // 1,000 posts of at most 1 KB: an INSERT of about 1 MB, well inside max_allowed_packet.
            Check.range("posts.insertGroupRows", insertGroupRows, 1, 1000);
        }
    }

    /**
     * Where photos, thumbnails and published static assets live. Objects are write-once: a key's
     * content never changes, so every object is served as immutable.
     */
    public record Storage(Kind kind, String publicBaseUrl, Duration presignTtl, Local local, S3 s3) {
        public enum Kind { local, s3 }

        private static final Pattern BASE_URL = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?(/[A-Za-z0-9._~/-]*)?");

        public Storage {
            Check.present("storage.kind", kind);
            Check.present("storage.publicBaseUrl", publicBaseUrl);
            if (!publicBaseUrl.isEmpty() && !BASE_URL.matcher(publicBaseUrl).matches()) {
                throw new ConfigException("storage.publicBaseUrl", "\"" + publicBaseUrl + "\" is not an http(s) base URL like https://cdn.example.com/media");
            }
            publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
            // SigV4 presigned URLs live at most 7 days.
            Check.duration("storage.presignTtl", presignTtl, Duration.ofSeconds(10), Duration.ofDays(7));
            Check.present("storage.local", local);
            Check.present("storage.s3", s3);
            if (kind == Kind.s3) {
                Check.notBlank("storage.s3.bucket", s3.bucket());
            }
        }

        public record Local(String dir) {
            public Local {
                Check.notBlank("storage.local.dir", dir);
            }

            /** The folder with {dataDir} replaced by the node's data folder. */
            public Path resolvedDir(Path dataDir) {
                return Path.of(dir.replace("{dataDir}", dataDir.toString())).toAbsolutePath().normalize();
            }
        }

        public record S3(
                String bucket,
                String region,
                String endpoint,
                boolean pathStyle,
                String accessKeyId,
                String secretAccessKey,
                String serverSideEncryption,
                Duration requestTimeout) {

            public S3 {
                Check.present("storage.s3.bucket", bucket);
                Check.notBlank("storage.s3.region", region);
                Aws.endpoint("storage.s3.endpoint", endpoint);
                Aws.credentials("storage.s3", accessKeyId, secretAccessKey);
                Check.present("storage.s3.serverSideEncryption", serverSideEncryption);
                if (!serverSideEncryption.equals("AES256") && !serverSideEncryption.equals("aws:kms")) {
                    throw new ConfigException("storage.s3.serverSideEncryption", "must be AES256 or aws:kms (got \"" + serverSideEncryption + "\")");
                }
                Check.duration("storage.s3.requestTimeout", requestTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
            }

            @Override
            public String toString() {
                return "S3[bucket=" + bucket + ", region=" + region + ", endpoint=" + endpoint + ", accessKeyId=" + accessKeyId + ", secretAccessKey=***]";
            }
        }
    }

    /** The job queue that carries asynchronous work (thumbnails) from web nodes to workers. */
    public record Queue(
            Kind kind,
            int maxAttempts,
            Duration retryBackoff,
            Duration maxRetryBackoff,
            Duration visibilityTimeout,
            Duration receiveWait,
            int receiveBatch,
            Duration deadLetterRetention,
            Database database,
            Sqs sqs) {

        public enum Kind { database, sqs }

        public Queue {
            Check.present("queue.kind", kind);
            Check.range("queue.maxAttempts", maxAttempts, 1, 100);
            Check.duration("queue.retryBackoff", retryBackoff, Duration.ZERO, Duration.ofHours(1));
            Check.duration("queue.maxRetryBackoff", maxRetryBackoff, retryBackoff, Duration.ofHours(12));
            // SQS allows a visibility timeout of 0 s to 12 h; under a second cannot cover any job.
            Check.duration("queue.visibilityTimeout", visibilityTimeout, Duration.ofSeconds(1), Duration.ofHours(12));
            // SQS long polling waits at most 20 s.
            Check.duration("queue.receiveWait", receiveWait, Duration.ZERO, Duration.ofSeconds(20));
            Check.range("queue.receiveBatch", receiveBatch, 1, 10);
            // SQS keeps a message at most 14 days.
            Check.duration("queue.deadLetterRetention", deadLetterRetention, Duration.ofMinutes(1), Duration.ofDays(14));
            Check.present("queue.database", database);
            Check.present("queue.sqs", sqs);
            if (kind == Kind.sqs) {
                Check.notBlank("queue.sqs.queueName", sqs.queueName());
                Check.notBlank("queue.sqs.deadLetterQueueName", sqs.deadLetterQueueName());
            }
        }

        public record Database(Duration pollInterval) {
            public Database {
                Check.duration("queue.database.pollInterval", pollInterval, Duration.ofMillis(10), Duration.ofMinutes(1));
            }
        }

        public record Sqs(
                String region,
                String endpoint,
                String accessKeyId,
                String secretAccessKey,
                String queueName,
                String deadLetterQueueName,
                boolean createQueues,
                Duration requestTimeout) {

            private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_-]{0,80}");

            public Sqs {
                Check.notBlank("queue.sqs.region", region);
                Aws.endpoint("queue.sqs.endpoint", endpoint);
                Aws.credentials("queue.sqs", accessKeyId, secretAccessKey);
                Check.present("queue.sqs.queueName", queueName);
                Check.present("queue.sqs.deadLetterQueueName", deadLetterQueueName);
                if (!QUEUE_NAME.matcher(queueName).matches()) {
                    throw new ConfigException("queue.sqs.queueName", "must be 1-80 of [A-Za-z0-9_-]");
                }
                if (!QUEUE_NAME.matcher(deadLetterQueueName).matches()) {
                    throw new ConfigException("queue.sqs.deadLetterQueueName", "must be 1-80 of [A-Za-z0-9_-]");
                }
                // Long polls (up to 20 s) must fit in one request.
                Check.duration("queue.sqs.requestTimeout", requestTimeout, Duration.ofSeconds(25), Duration.ofMinutes(5));
            }

            @Override
            public String toString() {
                return "Sqs[region=" + region + ", endpoint=" + endpoint + ", queueName=" + queueName + ", accessKeyId=" + accessKeyId + ", secretAccessKey=***]";
            }
        }
    }

    /** How a node with the worker role runs jobs. */
    public record Worker(int concurrency, Duration stopTimeout, Duration testOnlyJobDelay) {
        public Worker {
            Check.range("worker.concurrency", concurrency, 1, 64);
            Check.duration("worker.stopTimeout", stopTimeout, Duration.ZERO, Duration.ofMinutes(5));
            Check.duration("worker.testOnlyJobDelay", testOnlyJobDelay, Duration.ZERO, Duration.ofMinutes(10));
        }
    }

    /**
     * orphanAfter: how long an object written before its row (or left after its row went) may wait
     * for the row before housekeeping deletes it; longer than any upload or thumbnail job takes.
     */
    public record Photos(int maxUploadBytes, int maxConcurrentUploads, long maxPixels, int thumbnailSize, Duration requeueAfter,
                         Duration orphanAfter) {
        public Photos {
            Check.range("photos.maxUploadBytes", maxUploadBytes, 1024, 100 * 1024 * 1024);
            Check.range("photos.maxConcurrentUploads", maxConcurrentUploads, 1, 1000);
            if (maxPixels < 1 || maxPixels > 100_000_000L) {
                throw new ConfigException("photos.maxPixels", "must be between 1 and 100000000 (got " + maxPixels + ")");
            }
            Check.range("photos.thumbnailSize", thumbnailSize, 16, 2048);
            Check.duration("photos.requeueAfter", requeueAfter, Duration.ofSeconds(1), Duration.ofDays(1));
            Check.duration("photos.orphanAfter", orphanAfter, Duration.ofSeconds(1), Duration.ofDays(7));
        }
    }

    public record Web(Assets assets) {
        /** bundled: this node serves the page's JS, CSS and icons; published: they come from storage.publicBaseUrl. */
        public enum Assets { bundled, published }

        public Web {
            Check.present("web.assets", assets);
        }
    }

    /**
     * Idempotency-Key on POST /api/posts, /api/users and /api/photos: a key and its first response
     * are kept this long, then a retry with the key runs afresh.
     */
    public record Idempotency(Duration ttl, Duration claimTimeout) {
        public Idempotency {
            Check.duration("idempotency.ttl", ttl, Duration.ofSeconds(1), Duration.ofDays(30));
            // claimTimeout: a key still "in progress" this long is presumed abandoned (its node or database died) and a
            // retry takes it over; the old holder's write can then no longer commit (its answer's update is fenced).
            Check.duration("idempotency.claimTimeout", claimTimeout, Duration.ofSeconds(1), Duration.ofHours(1));
        }
    }

    /**
     * Abuse limits, per client address (as Jetty resolved it: http.trustedProxies decide whether
     * X-Forwarded-For is believed) and per account; beyond them 429 with Retry-After.
     * login.perAccountAndIp and login.perAccount count failed logins only, so a real user's own
     * successful logins never use them up, and the user's own address keeps its own bucket.
     */
    public record RateLimits(boolean enabled, Login login, SignUp signUp, Writes writes) {
        public RateLimits {
            Check.present("rateLimits.login", login);
            Check.present("rateLimits.signUp", signUp);
            Check.present("rateLimits.writes", writes);
        }

        public record Login(Rate perIp, Rate perAccountAndIp, Rate perAccount) {
            public Login {
                Check.present("rateLimits.login.perIp", perIp);
                Check.present("rateLimits.login.perAccountAndIp", perAccountAndIp);
                Check.present("rateLimits.login.perAccount", perAccount);
            }
        }

        public record SignUp(Rate perIp) {
            public SignUp {
                Check.present("rateLimits.signUp.perIp", perIp);
            }
        }

        public record Writes(Rate perIp, Rate perAccount) {
            public Writes {
                Check.present("rateLimits.writes.perIp", perIp);
                Check.present("rateLimits.writes.perAccount", perAccount);
            }
        }
    }

    /** Checks shared by the S3 and SQS settings. */
    /**
     * The Redis the shared cache and sessions use (Users+++). none: no Redis at all. standalone:
     * one server at address. sentinel: ask the Sentinels for the current primary of masterName, so
     * a promoted replica is followed (locally three Sentinels; on AWS an ElastiCache replication
     * group is reached as standalone through its primary endpoint).
     */
    public record Redis(Mode mode, String address, List<String> sentinels, String masterName, String password,
                        Duration connectTimeout, Duration socketTimeout, int maxPoolSize) {
        public enum Mode { none, standalone, sentinel }

        private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]{1,253}:\\d{1,5}");
        private static final Pattern MASTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

        public Redis {
            Check.present("redis.mode", mode);
            Check.present("redis.address", address);
            Check.present("redis.sentinels", sentinels);
            Check.present("redis.masterName", masterName);
            Check.present("redis.password", password);
            if (mode == Mode.standalone) {
                hostPort("redis.address", address);
            }
            if (mode == Mode.sentinel) {
                if (sentinels.isEmpty()) {
                    throw new ConfigException("redis.sentinels", "must list at least one host:port when redis.mode is sentinel");
                }
                if (sentinels.size() > 16) {
                    throw new ConfigException("redis.sentinels", "lists more than 16 Sentinels");
                }
                sentinels.forEach(sentinel -> hostPort("redis.sentinels", sentinel));
                if (!MASTER_NAME.matcher(masterName).matches()) {
                    throw new ConfigException("redis.masterName", "must be 1-64 of [A-Za-z0-9._-]");
                }
            }
            sentinels = List.copyOf(sentinels);
            Check.duration("redis.connectTimeout", connectTimeout, Duration.ofMillis(10), Duration.ofSeconds(30));
            Check.duration("redis.socketTimeout", socketTimeout, Duration.ofMillis(10), Duration.ofSeconds(30));
            Check.range("redis.maxPoolSize", maxPoolSize, 1, 1000);
        }

        private static void hostPort(String key, String value) {
            if (value == null || !HOST_PORT.matcher(value).matches()) {
                throw new ConfigException(key, "\"" + value + "\" is not host:port");
            }
            int port = Integer.parseInt(value.substring(value.lastIndexOf(':') + 1));
            if (port < 1 || port > 65_535) {
                throw new ConfigException(key, "\"" + value + "\" has no valid port");
            }
        }

        @Override
        public String toString() {
            return "Redis[mode=" + mode + ", address=" + address + ", sentinels=" + sentinels + ", masterName=" + masterName
                    + ", password=***]";
        }
    }

    /**
     * Where cached values live. in-process: each node's own memory (Caffeine). redis: the shared
     * Redis, with a small near cache per node in front of it (nearCacheEntries, nearCacheTtl; 0
     * entries turns it off) kept honest by invalidations over Redis pub/sub. negativeTtl: how long a
     * "not found" is remembered. ttlJitterPercent spreads expiries so hot keys do not expire together.
     * breakerOpenFor: how long a failing Redis is left alone (reads go to the database meanwhile).
     */
    public record Cache(Kind kind, int nearCacheEntries, Duration nearCacheTtl, Duration negativeTtl, int ttlJitterPercent,
                        Duration breakerOpenFor) {
        public enum Kind {
            @JsonProperty("in-process") inProcess,
            redis;

            @Override
            public String toString() {
                return this == inProcess ? "in-process" : name();
            }
        }

        public Cache {
            Check.present("cache.kind", kind);
            Check.range("cache.nearCacheEntries", nearCacheEntries, 0, 1_000_000);
            Check.duration("cache.nearCacheTtl", nearCacheTtl, Duration.ZERO, Duration.ofMinutes(1));
            Check.duration("cache.negativeTtl", negativeTtl, Duration.ZERO, Duration.ofMinutes(10));
            Check.range("cache.ttlJitterPercent", ttlJitterPercent, 0, 50);
            Check.duration("cache.breakerOpenFor", breakerOpenFor, Duration.ofMillis(100), Duration.ofMinutes(10));
        }
    }

    /**
     * Error reporting to Sentry (or any server that speaks its envelope protocol): off while
     * sentryDsn is empty. On, every error the node logs (unhandled 5xx included) is sent with its
     * request id; environment names the deployment (empty: the profile's name); sampleRate is the
     * share of errors sent (1.0: all).
     */
    public record Errors(String sentryDsn, String environment, double sampleRate) {
        private static final Pattern DSN = Pattern.compile("https?://[^@/\\s]+@[A-Za-z0-9.\\[\\]:-]+(/[A-Za-z0-9._/-]*)?/[0-9]+");
        private static final Pattern ENVIRONMENT = Pattern.compile("[A-Za-z0-9._-]{0,64}");

        public Errors {
            Check.present("errors.sentryDsn", sentryDsn);
            sentryDsn = sentryDsn.strip();
            if (!sentryDsn.isEmpty() && !DSN.matcher(sentryDsn).matches()) {
                throw new ConfigException("errors.sentryDsn", "is not a DSN like https://PUBLIC_KEY@sentry.example.com/PROJECT_ID"
                        + " (empty: no error reporting)");
            }
            Check.present("errors.environment", environment);
            if (!ENVIRONMENT.matcher(environment).matches()) {
                throw new ConfigException("errors.environment", "must be up to 64 of [A-Za-z0-9._-] (got \"" + environment + "\")");
            }
            if (!(sampleRate > 0 && sampleRate <= 1)) {
                throw new ConfigException("errors.sampleRate", "must be above 0 and at most 1 (got " + sampleRate + ")");
            }
        }

        public boolean enabled() {
            return !sentryDsn.isEmpty();
        }
    }

    private static final class Aws {
        private static final Pattern ENDPOINT = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?/?");

        static void endpoint(String key, String endpoint) {
            Check.present(key, endpoint);
            if (!endpoint.isEmpty() && !ENDPOINT.matcher(endpoint).matches()) {
                throw new ConfigException(key, "\"" + endpoint + "\" is not an endpoint like http://127.0.0.1:9000 (empty: AWS's own)");
            }
        }

        static void credentials(String prefix, String accessKeyId, String secretAccessKey) {
            Check.present(prefix + ".accessKeyId", accessKeyId);
            Check.present(prefix + ".secretAccessKey", secretAccessKey);
            if (accessKeyId.isEmpty() != secretAccessKey.isEmpty()) {
                throw new ConfigException(prefix + ".secretAccessKey", "set both " + prefix + ".accessKeyId and " + prefix
                        + ".secretAccessKey, or neither (the SDK's default credentials)");
            }
        }
    }
}
