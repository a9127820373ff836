package dev.ladder;

import dev.ladder.cache.Cache;
import dev.ladder.cache.CachePolicy;
import dev.ladder.cache.InProcessCache;
import dev.ladder.cache.RedisCaches;
import dev.ladder.config.Config;
import dev.ladder.config.Config.Role;
import dev.ladder.config.ConfigException;
import dev.ladder.config.ConfigOptions;
import dev.ladder.db.Database;
import dev.ladder.db.ReadYourWritesHandler;
import dev.ladder.errors.ErrorReporting;
import dev.ladder.http.ApiApplication;
import dev.ladder.http.BodyLimits;
import dev.ladder.http.HttpServer;
import dev.ladder.http.MediaHandler;
import dev.ladder.idempotency.IdempotencyFilter;
import dev.ladder.idempotency.IdempotencyKeys;
import dev.ladder.ids.IdGenerator;
import dev.ladder.ids.NodeIdLease;
import dev.ladder.limits.RateLimitFilter;
import dev.ladder.limits.Throttle;
import dev.ladder.ops.AdminHandler;
import dev.ladder.ops.Health;
import dev.ladder.ops.Housekeeping;
import dev.ladder.ops.Metrics;
import dev.ladder.ops.RunningNode;
import dev.ladder.photos.PhotoResource;
import dev.ladder.photos.PhotoService;
import dev.ladder.photos.ThumbnailBenchCommand;
import dev.ladder.photos.ThumbnailWorker;
import dev.ladder.photos.UserPhotosResource;
import dev.ladder.posts.AuthorPostsResource;
import dev.ladder.posts.CachedPostHandler;
import dev.ladder.posts.PhotoLinks;
import dev.ladder.posts.PostResource;
import dev.ladder.posts.PostService;
import dev.ladder.posts.PostWriteHandler;
import dev.ladder.posts.RenderedPosts;
import dev.ladder.queue.DatabaseJobQueue;
import dev.ladder.queue.JobQueue;
import dev.ladder.queue.JobRunner;
import dev.ladder.queue.QueueMetrics;
import dev.ladder.queue.SqsJobQueue;
import dev.ladder.redis.Redis;
import dev.ladder.seed.SeedCommand;
import dev.ladder.sessions.AuthFilter;
import dev.ladder.synthetic.SyntheticCommand;
import dev.ladder.sessions.DatabaseSessionStore;
import dev.ladder.sessions.RedisSessionStore;
import dev.ladder.sessions.SessionResource;
import dev.ladder.sessions.SessionService;
import dev.ladder.storage.LocalDiskObjectStore;
import dev.ladder.storage.ObjectStore;
import dev.ladder.storage.ObjectStores;
import dev.ladder.users.PasswordHasher;
import dev.ladder.users.UserResource;
import dev.ladder.users.UserService;
import dev.ladder.web.PublishStaticCommand;
import dev.ladder.web.WebAssets;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.server.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import redis.clients.jedis.UnifiedJedis;
import sun.misc.Signal;

/**
 * The map of the system. Configuration → pools and clients → stores → services → resources →
 * server, each built with {@code new}; started in that order and stopped in reverse.
 */
@Command(name = "ladder", mixinStandardHelpOptions = true,
        description = "Ladder: one service that climbs from one box to millions of users.")
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    private static final String THUMBNAIL_QUEUE = "thumbnails";

    @Mixin
    ConfigOptions configOptions;

    static {
        // A server has no display: image work must never try to open one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // Jersey and parts of Jetty log through java.util.logging; send it to the JSON log too.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The server command and its subcommands; each gets its configuration through ConfigOptions. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .addSubcommand(new SeedCommand())
                .addSubcommand(new PublishStaticCommand())
                .addSubcommand(new SyntheticCommand())
                .addSubcommand(new ThumbnailBenchCommand(Main::start));
    }

    @Override
    public Integer call() throws InterruptedException {
        Config config;
        try {
            config = configOptions.load();
        } catch (ConfigException e) {
            System.err.println("ladder: invalid configuration: " + e.getMessage());
            return 2;
        }
        long started = System.nanoTime();
        Running running;
        try {
            running = start(config);
        } catch (RuntimeException e) {
            return 1; // start() logged it (and reported it, with errors.sentryDsn)
        }
        log.info("Ladder node {} ({} profile, roles {}) up in {} ms: API on {}, admin on :{}", config.node().name(), config.profile(), config.node().roles(),
                (System.nanoTime() - started) / 1_000_000, running.apiPort() < 0 ? "no port (not a web node)" : ":" + running.apiPort(),
                running.adminPort());
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stoppedCleanly = new AtomicBoolean();
        Runnable stop = () -> {
            // Whatever goes wrong while stopping, the process ends: a node that ignores SIGTERM
            // stalls a rolling deploy until something kills it.
            try {
                running.close();
                stoppedCleanly.set(true);
            } catch (Throwable e) {
                log.error("Stopping failed; exiting anyway", e);
            } finally {
                stopped.countDown();
            }
        };
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("shutdown").start(stop));
        Signal.handle(new Signal("INT"), signal -> Thread.ofPlatform().name("shutdown").start(stop));
        stopped.await();
        return stoppedCleanly.get() ? 0 : 1;
    }

    /** Builds and starts a node. A failed start closes whatever it had opened. */
    public static Running start(Config config) {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Clock clock = Clock.systemUTC();
            // Error reporting first, so a failure anywhere in start-up is reported; closed last.
            opened.push(ErrorReporting.start(config.errors(), config.node().name(), config.profile()));
            PrometheusMeterRegistry metrics = Metrics.create(config.profile(), config.node().id());
            // A configured id mints from the start; an auto id once the lease is taken (after the migrations, below).
            IdGenerator ids = config.node().autoId() ? IdGenerator.leased() : new IdGenerator(config.node().fixedId().getAsInt());

            // Pools and clients
            Database database = Database.open(config.database(), config.data().path(), "db", metrics);
            opened.push(database);
            // Migrations run while the HTTP stack is built (the slow halves of start-up, on two cores).
            CompletableFuture<Void> migrated = config.database().migrate()
                    ? CompletableFuture.runAsync(database::migrate, task -> Thread.ofPlatform().name("migrate").start(task))
                    : CompletableFuture.completedFuture(null);
            ObjectStore store = ObjectStores.open(config, clock);
            opened.push(store);
            JobQueue thumbnails = switch (config.queue().kind()) {
                case database -> new DatabaseJobQueue(database.jdbi(), THUMBNAIL_QUEUE, ids, config.queue(), clock);
                case sqs -> SqsJobQueue.open(config.queue());
            };
            opened.push(thumbnails);
            // One Redis client per node, shared by whatever uses Redis (redis.mode none: no client).
            UnifiedJedis redis = config.redis().mode() == Config.Redis.Mode.none ? null : Redis.open(config.redis(), "ladder-" + config.node().name());
            if (redis != null) {
                opened.push(redis);
            }
            QueueMetrics.bind(thumbnails, metrics, Duration.ofSeconds(5));

            // Services
            UserService users = new UserService(database.jdbi(), database.reads(), ids, new PasswordHasher(config.passwords()), clock);
            SessionService sessions = sessionService(config, database, redis, users, clock, metrics);
            // Rendered posts and first pages: RenderedPosts fills the cache; the services that change posts invalidate it
            // (PostService on every change, PhotoService when a deleted photo leaves the posts that showed it).
            RedisCaches sharedCache = null;
            if (config.cache().kind() == Config.Cache.Kind.redis) { // Config checked that redis.mode is not none
                sharedCache = new RedisCaches(redis, config.cache(), metrics);
                opened.push(sharedCache);
            }
            PhotoLinks links = photoLinks(config.storage(), clock);
            Cache<RenderedPosts.Rendered> postCache = postCache(config, links, sharedCache, metrics);
            PhotoService photos = new PhotoService(database.jdbi(), users, ids, store, thumbnails, config.photos(),
                    config.storage().presignTtl(), clock, (author, postId) -> postCache.invalidateAll(RenderedPosts.keysOf(postId, author)));
            PostService posts = new PostService(database.jdbi(), database.reads(), users, photos, ids, clock, postCache,
                    config.posts().insertGroupRows(), metrics);
            RenderedPosts renderedPosts = new RenderedPosts(posts, photos, postCache, links);
            IdempotencyKeys idempotencyKeys = new IdempotencyKeys(database.jdbi(), config.idempotency().ttl(), config.idempotency().claimTimeout(), clock);
            // Sessions in Redis: not ready until Redis has been reached (a node may start before any Sentinel answers).
            UnifiedJedis sessionRedis = config.sessions().store() == Config.Sessions.Store.redis ? redis : null;
            Health health = new Health(database::isReachable, sharedCache == null ? () -> true : sharedCache::healthy);
            if (sessionRedis != null) {
                health.require(Health.SESSIONS, () -> Redis.connected(sessionRedis));
            }
            // Rate limits in Redis when there is one, so they hold across nodes (per node while Redis fails).
            Throttle throttle = redis == null ? Throttle.inProcess(config.rateLimits()) : Throttle.shared(config.rateLimits(), redis, metrics);

            // Resources and server: the public API and page on web nodes, the admin port on every node
            HttpServer.PublicSite site = null;
            if (config.node().servesPublic()) {
                BodyLimits bodyLimits = BodyLimits.of(config.http().maxRequestBytes())
                        .with(PhotoResource.UPLOAD_PATH, config.photos().maxUploadBytes());
                var api = ApiApplication.create(bodyLimits, metrics,
                        new AuthFilter(sessions, config.http().allowedOrigins()),
                        new IdempotencyFilter(idempotencyKeys),
                        new RateLimitFilter(throttle),
                        new UserResource(users),
                        new SessionResource(sessions, throttle),
                        new PostResource(posts, renderedPosts, config.posts()),
                        new AuthorPostsResource(posts, photos, renderedPosts),
                        new PhotoResource(photos, config.photos().maxConcurrentUploads()),
                        new UserPhotosResource(photos));
                site = new HttpServer.PublicSite(api, bodyLimits,
                        store instanceof LocalDiskObjectStore local ? new MediaHandler(local.root()) : null,
                        switch (config.web().assets()) {
                            case bundled -> null;
                            case published -> WebAssets.indexPublishedAt(store.publicBase());
                        },
                        // Cached post reads and plain API posts skip Jersey (see CachedPostHandler and
                        // PostWriteHandler); everything else goes through it.
                        routes -> readYourWrites(database, new CachedPostHandler(
                                new PostWriteHandler(routes, sessions, throttle, posts, renderedPosts, metrics),
                                renderedPosts, config.posts(), metrics)),
                        config.http().servedBy() ? config.node().name() : null,
                        config.node().readOnly(),
                        HttpServer.ContentOrigins.of(config.storage(), config.web()));
            }
            HttpServer server = new HttpServer(config.http(), site, new AdminHandler(health, metrics), metrics);
            awaitMigrations(migrated);
            // The node id lease (auto) or its advertisement (configured); released after the server stops.
            NodeIdLease lease = NodeIdLease.start(database.jdbi(), ids, config.node().fixedId(), config.node().name(),
                    config.node().idLease(), metrics);
            opened.push(lease);
            health.require("nodeId", ids::canMint);
            server.start();
            opened.push(server::stop);

            // Workers: thumbnails, on nodes with the worker role
            if (config.hasRole(Role.worker)) {
                JobRunner worker = new JobRunner(thumbnails,
                        new ThumbnailWorker(database.jdbi(), store, config.photos(), config.worker().testOnlyJobDelay(), clock),
                        config.queue(), config.worker(), metrics);
                worker.start();
                opened.push(worker);
            }

            // Housekeeping, on worker nodes only: expired sessions, idempotency keys and uploads, photos whose job never
            // reached the queue, objects no row owns (left by a failure mid-way), old dead letters; in small batches.
            if (config.hasRole(Role.worker)) {
                Housekeeping housekeeping = new Housekeeping(metrics)
                        .every(Duration.ofMinutes(10), "sessions", () -> sessions.purgeExpired(10_000))
                        .every(Duration.ofMinutes(10), "idempotency", () -> idempotencyKeys.purgeExpired(10_000))
                        .every(Duration.ofMinutes(1), "photos", () -> {
                            photos.requeueUnqueued(1_000);
                            photos.purgeExpiredUploads(1_000);
                            photos.sweepPendingObjects(1_000);
                            thumbnails.purgeDeadLetters(config.queue().deadLetterRetention(), 10_000);
                        });
                opened.push(housekeeping);
            }

            // Ready only now: workers and housekeeping run, the database pool holds its minimum of connections.
            primePool(database, config.database());
            health.markStarted();
            return new Running(config, server, health, opened);
        } catch (Exception e) {
            // Logged before closing, while error reporting (opened first, closed last) still sends it.
            log.error("Start-up failed", e);
            closeAll(opened);
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException("start-up failed: " + e.getMessage(), e);
        }
    }

    /** Photo links from S3 without a CDN are presigned and expire; all others never do. */
    private static PhotoLinks photoLinks(Config.Storage storage, Clock clock) {
        boolean presigned = storage.kind() == Config.Storage.Kind.s3 && storage.publicBaseUrl().isEmpty();
        return presigned ? PhotoLinks.presigned(storage.presignTtl(), clock) : PhotoLinks.stable();
    }

    /**
     * Rendered posts and first pages, in each node's memory (posts.cacheMegabytes) or in the shared
     * Redis; entries live posts.cacheTtl, never longer than half the life of the photo links they carry.
     */
    private static Cache<RenderedPosts.Rendered> postCache(Config config, PhotoLinks links, RedisCaches shared,
                                                           PrometheusMeterRegistry metrics) {
        if (config.posts().cacheMegabytes() == 0) {
            return Cache.none();
        }
        Duration ttl = links.capEntryTtl(config.posts().cacheTtl());
        if (shared != null) {
            return shared.cache("posts", new RenderedPosts.RenderedCodec(), ttl);
        }
        return new InProcessCache<>("posts", config.posts().cacheMegabytes() * 1024L * 1024L,
                new CachePolicy(ttl, config.cache().negativeTtl(), config.cache().ttlJitterPercent()), RenderedPosts.Rendered::weight, metrics);
    }

    /**
     * Sessions in the database, remembered per node for sessions.cacheTtl; or in Redis, with no
     * per-node copy: a Redis look-up costs about what the copy saves, and a copy would let a
     * logged-out token live on other nodes for cacheTtl.
     */
    private static SessionService sessionService(Config config, Database database, UnifiedJedis redis, UserService users, Clock clock,
                                                 PrometheusMeterRegistry metrics) {
        return switch (config.sessions().store()) {
            case database -> new SessionService(new DatabaseSessionStore(database.jdbi()), users, config.sessions(), clock,
                    sessionCache(config.sessions(), metrics));
            case redis -> new SessionService(new RedisSessionStore(redis, config.sessions().waitForReplica()), users, config.sessions(),
                    clock, Cache.none());
        };
    }

    /** Sessions looked up recently, in process (database store only). */
    private static Cache<SessionService.LiveSession> sessionCache(Config.Sessions config, PrometheusMeterRegistry metrics) {
        if (config.cacheTtl().isZero()) {
            return Cache.none();
        }
        return new InProcessCache<>("sessions", 16L * 1024 * 1024, config.cacheTtl(), SessionService.LiveSession::weight, metrics);
    }

    /** With replicas, every request carries its client's replication position in and its writes' out (a cookie). */
    private static Handler readYourWrites(Database database, Handler next) {
        return database.reads().hasReplicas() ? new ReadYourWritesHandler(next) : next;
    }

    /**
     * Waits (at most database.connectionTimeout) until the primary pool holds database.minIdle
     * connections, so the first requests a load balancer sends do not each open one. A database
     * that is down does not hold start-up back: readiness reports it.
     */
    private static void primePool(Database database, Config.Database config) throws InterruptedException {
        if (!(database.dataSource() instanceof com.zaxxer.hikari.HikariDataSource hikari) || hikari.getHikariPoolMXBean() == null) {
            return;
        }
        long deadline = System.nanoTime() + config.connectionTimeout().toNanos();
        while (hikari.getHikariPoolMXBean().getTotalConnections() < config.minIdle() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static void awaitMigrations(CompletableFuture<Void> migrated) throws InterruptedException {
        try {
            migrated.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception | LinkageError e) {
                // LinkageError: a class that could not be loaded any more (the jar replaced under a
                // running node); the rest must still close, the database pool above all.
                log.warn("Error while closing: {}", e.toString());
            }
        }
    }

    /** A started node. {@link #close()} drains it: readiness 503, requests in flight finish, pools close. */
    public static final class Running implements RunningNode {
        private final Config config;
        private final HttpServer server;
        private final Health health;
        private final Deque<AutoCloseable> opened;
        private boolean closed;

        Running(Config config, HttpServer server, Health health, Deque<AutoCloseable> opened) {
            this.config = config;
            this.server = server;
            this.health = health;
            this.opened = opened;
        }

        @Override
        public int apiPort() {
            return server.apiPort();
        }

        @Override
        public int adminPort() {
            return server.adminPort();
        }

        @Override
        public Config config() {
            return config;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            log.info("Draining: readiness now 503; stopping in {} ms", config.http().drainDelay().toMillis());
            health.startDraining();
            try {
                Thread.sleep(config.http().drainDelay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeAll(opened);
            log.info("Stopped");
        }
    }
}
