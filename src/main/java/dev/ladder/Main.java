package dev.ladder;

import dev.ladder.cache.Cache;
import dev.ladder.cache.InProcessCache;
import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.config.ConfigLoader;
import dev.ladder.db.Database;
import dev.ladder.http.ApiApplication;
import dev.ladder.http.HttpServer;
import dev.ladder.ids.IdGenerator;
import dev.ladder.ops.AdminHandler;
import dev.ladder.ops.Health;
import dev.ladder.ops.Metrics;
import dev.ladder.posts.AuthorPostsResource;
import dev.ladder.posts.CachedPostHandler;
import dev.ladder.posts.PostResource;
import dev.ladder.posts.PostService;
import dev.ladder.posts.RenderedPosts;
import dev.ladder.seed.SeedCommand;
import dev.ladder.sessions.AuthFilter;
import dev.ladder.sessions.SessionResource;
import dev.ladder.sessions.SessionService;
import dev.ladder.users.PasswordHasher;
import dev.ladder.users.UserResource;
import dev.ladder.users.UserService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * The map of the system. Configuration → pools and clients → stores → services → resources →
 * server, each built with {@code new}; started in that order and stopped in reverse.
 */
@Command(name = "ladder", mixinStandardHelpOptions = true,
        description = "Ladder: one service that climbs from one box to millions of users.",
        subcommands = SeedCommand.class)
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = "--profile", description = "Stage profile (default: $LADDER_PROFILE, else embedded).")
    String profile;

    @Option(names = "--config", description = "A profile file to use instead of a named profile.")
    Path configFile;

    static {
        // Jersey and parts of Jetty log through java.util.logging; send it to the JSON log too.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        Config config;
        try {
            config = loadConfig(profile, configFile, System.getenv());
        } catch (ConfigException e) {
            System.err.println("ladder: invalid configuration: " + e.getMessage());
            return 2;
        }
        long started = System.nanoTime();
        Running running;
        try {
            running = start(config);
        } catch (RuntimeException e) {
            log.error("Start-up failed", e);
            return 1;
        }
        log.info("Ladder ({} profile) up in {} ms: API on :{}, admin on :{}", config.profile(),
                (System.nanoTime() - started) / 1_000_000, running.apiPort(), running.adminPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("shutdown").start(() -> {
            running.close();
            stopped.countDown();
        }));
        Signal.handle(new Signal("INT"), signal -> Thread.ofPlatform().name("shutdown").start(() -> {
            running.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /** The node's configuration: a named profile or a file, with environment overrides on top. */
    public static Config loadConfig(String profile, Path configFile, Map<String, String> env) {
        ConfigLoader loader = ConfigLoader.standard();
        if (configFile != null) {
            return loader.loadFile(configFile, env);
        }
        String name = profile != null ? profile : env.getOrDefault("LADDER_PROFILE", ConfigLoader.DEFAULT_PROFILE);
        return loader.load(name, env);
    }

    /** Builds and starts a node. A failed start closes whatever it had opened. */
    public static Running start(Config config) {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Clock clock = Clock.systemUTC();
            PrometheusMeterRegistry metrics = Metrics.create(config.profile(), config.node().id());

            // Pools and clients
            Database database = Database.open(config.database(), config.data().path(), "db", metrics);
            opened.push(database);
            // Migrations run while the HTTP stack is built (the slow halves of start-up, on two cores).
            CompletableFuture<Void> migrated = config.database().migrate()
                    ? CompletableFuture.runAsync(database::migrate, task -> Thread.ofPlatform().name("migrate").start(task))
                    : CompletableFuture.completedFuture(null);

            // Services
            IdGenerator ids = new IdGenerator(config.node().id());
            UserService users = new UserService(database.jdbi(), ids, new PasswordHasher(config.passwords()), clock);
            SessionService sessions = new SessionService(database.jdbi(), users, config.sessions(), clock);
            PostService posts = new PostService(database.jdbi(), users, ids, clock);
            RenderedPosts renderedPosts = new RenderedPosts(posts, postCache(config.posts(), metrics));
            Health health = new Health(database::isReachable);

            // Resources and server
            var api = ApiApplication.create(config.http().maxRequestBytes(), metrics,
                    new AuthFilter(sessions, config.http().allowedOrigins()),
                    new UserResource(users),
                    new SessionResource(sessions),
                    new PostResource(posts, renderedPosts, config.posts()),
                    new AuthorPostsResource(posts));
            // Cached post reads skip Jersey (see CachedPostHandler); everything else goes through it.
            HttpServer server = new HttpServer(config.http(), api, new AdminHandler(health, metrics), metrics,
                    routes -> new CachedPostHandler(routes, renderedPosts, config.posts(), metrics));
            awaitMigrations(migrated);
            server.start();
            opened.push(server::stop);

            // Housekeeping: expired sessions go in small batches.
            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("housekeeping").daemon().factory());
            housekeeping.scheduleWithFixedDelay(() -> {
                try {
                    sessions.purgeExpired(10_000);
                } catch (RuntimeException e) {
                    log.warn("Purging expired sessions failed: {}", e.toString());
                }
            }, 1, 10, TimeUnit.MINUTES);
            opened.push(housekeeping::shutdownNow);

            return new Running(config, server, health, opened);
        } catch (Exception e) {
            closeAll(opened);
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException("start-up failed: " + e.getMessage(), e);
        }
    }

    /** Rendered posts are cached in process (a shared cache comes with the stateless app tier). */
    private static Cache<RenderedPosts.Rendered> postCache(Config.Posts config, PrometheusMeterRegistry metrics) {
        if (config.cacheMegabytes() == 0) {
            return Cache.none();
        }
        return new InProcessCache<>("posts", config.cacheMegabytes() * 1024L * 1024L, config.cacheTtl(),
                RenderedPosts.Rendered::weight, metrics);
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
            } catch (Exception e) {
                log.warn("Error while closing: {}", e.toString());
            }
        }
    }

    /** A started node. {@link #close()} drains it: readiness 503, requests in flight finish, pools close. */
    public static final class Running implements AutoCloseable {
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

        public int apiPort() {
            return server.apiPort();
        }

        public int adminPort() {
            return server.adminPort();
        }

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
