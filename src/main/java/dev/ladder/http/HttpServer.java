package dev.ladder.http;

import dev.ladder.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import java.util.List;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.glassfish.jersey.jetty.JettyHttpContainer;
import org.glassfish.jersey.server.ContainerFactory;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * The Jetty server: the public connector serves the API under /api and the web page elsewhere;
 * the admin connector serves health and metrics. Stopping is graceful: connectors close, then
 * requests in flight get up to http.stopTimeout to finish.
 */
public final class HttpServer {
    private static final String API_CONNECTOR = "api";
    private static final String ADMIN_CONNECTOR = "admin";

    private final Server server;
    private final ServerConnector apiConnector;
    private final ServerConnector adminConnector;

    public HttpServer(Config.Http config, ResourceConfig api, Handler admin, MeterRegistry metrics) {
        this(config, api, admin, metrics, UnaryOperator.identity());
    }

    /**
     * As above, with {@code apiFastPath} wrapped around the API's routes: a handler that answers
     * some requests itself (inside request ids and body limits) and passes the rest on.
     */
    public HttpServer(Config.Http config, ResourceConfig api, Handler admin, MeterRegistry metrics,
                      UnaryOperator<Handler> apiFastPath) {
        this.server = new Server(threadPool(config));
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);

        apiConnector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        apiConnector.setName(API_CONNECTOR);
        apiConnector.setHost(config.host());
        apiConnector.setPort(config.port());
        apiConnector.setIdleTimeout(config.idleTimeout().toMillis());
        apiConnector.setAcceptQueueSize(config.acceptQueue());

        adminConnector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        adminConnector.setName(ADMIN_CONNECTOR);
        adminConnector.setHost(config.adminHost());
        adminConnector.setPort(config.adminPort());
        server.addConnector(apiConnector);
        server.addConnector(adminConnector);

        Handler routes = apiFastPath.apply(new ApiOrPage(ContainerFactory.createContainer(JettyHttpContainer.class, api), webPage()));

        ContextHandler apiContext = new ContextHandler(new RequestIdHandler(new BodyLimitHandler(config.maxRequestBytes(), routes)), "/");
        apiContext.setVirtualHosts(List.of("@" + API_CONNECTOR));
        ContextHandler adminContext = new ContextHandler(admin, "/");
        adminContext.setVirtualHosts(List.of("@" + ADMIN_CONNECTOR));

        server.setHandler(new GracefulHandler(new ContextHandlerCollection(apiContext, adminContext)));
        server.setStopTimeout(config.stopTimeout().toMillis());
        server.setStopAtShutdown(false); // Main owns the shutdown order
        server.setRequestLog(new AccessLog());
        server.setErrorHandler(new ProblemErrorHandler());

        JettyConnectionMetrics.addToAllConnectors(server, metrics);
        if (server.getThreadPool() instanceof QueuedThreadPool queued) {
            new JettyServerThreadPoolMetrics(queued, List.of()).bindTo(metrics);
        }
    }

    private static ThreadPool threadPool(Config.Http config) {
        return switch (config.threads()) {
            case virtual -> {
                VirtualThreadPool pool = new VirtualThreadPool(config.maxThreads());
                pool.setName("http");
                yield pool;
            }
            case platform -> {
                QueuedThreadPool pool = new QueuedThreadPool(config.maxThreads(), Math.min(8, config.maxThreads()));
                pool.setName("http");
                yield pool;
            }
        };
    }

    /** The web page: static files from the jar's web/ folder (later stages move them to a CDN). */
    private ResourceHandler webPage() {
        ResourceHandler resources = new ResourceHandler();
        resources.setBaseResource(ResourceFactory.of(server).newClassLoaderResource("web/", false));
        resources.setWelcomeFiles(List.of("index.html"));
        resources.setDirAllowed(false);
        resources.setCacheControl("public, max-age=60");
        return resources;
    }

    /**
     * /api and below go to Jersey, everything else to the static page. (Jetty's PathMappingsHandler
     * would do it too, but makes Jersey see /api as its base path, which doubles it in route tags.)
     */
    private static final class ApiOrPage extends Handler.Sequence {
        private final Handler api;
        private final Handler page;

        ApiOrPage(Handler api, Handler page) {
            super(api, page);
            this.api = api;
            this.page = page;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            boolean isApi = path.startsWith("/api/") || path.equals("/api");
            return (isApi ? api : page).handle(request, response, callback);
        }
    }

    public void start() throws Exception {
        server.start();
    }

    /** Stops taking connections, lets requests in flight finish (bounded), then stops. */
    public void stop() throws Exception {
        server.stop();
    }

    public int apiPort() {
        return apiConnector.getLocalPort();
    }

    public int adminPort() {
        return adminConnector.getLocalPort();
    }
}
