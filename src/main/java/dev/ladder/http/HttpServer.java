package dev.ladder.http;

import dev.ladder.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
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
import org.eclipse.jetty.util.StringUtil;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.glassfish.jersey.jetty.JettyHttpContainer;
import org.glassfish.jersey.server.ContainerFactory;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * The Jetty server: the public connector serves the API under /api, stored objects under /media
 * (local storage only) and the web page elsewhere; the admin connector serves health and metrics.
 * A node without the web role has no public connector at all. Stopping is graceful: connectors
 * close, then requests in flight get up to http.stopTimeout to finish.
 */
public final class HttpServer {
    private static final String API_CONNECTOR = "api";
    private static final String ADMIN_CONNECTOR = "admin";

    private final Server server;
    private final ServerConnector apiConnector;
    private final ServerConnector adminConnector;

    /**
     * What the public connector serves: the API, the bounds on request bodies, this node's media
     * folder (null when objects live elsewhere) and, when the page's assets are published, the
     * index page that points at them (null: the bundled index.html), and a fast path wrapped
     * around the routes (inside request ids and body limits) that answers some requests itself
     * and passes the rest on. servedBy: the node name for X-Served-By (null: no header);
     * readOnly: a read-api node, which refuses every method but GET and HEAD.
     */
    public record PublicSite(ResourceConfig api, BodyLimits bodyLimits, Handler media, String indexHtml,
                             UnaryOperator<Handler> fastPath, String servedBy, boolean readOnly,
                             ContentOrigins contentOrigins) {
    }

    /** Other origins the page loads its assets (a CDN) and images (the object store, a CDN) from; its CSP allows them. */
    public record ContentOrigins(List<String> assets, List<String> media) {
        /** What the storage and asset settings make the page load from, besides its own origin. */
        public static ContentOrigins of(Config.Storage storage, Config.Web web) {
            List<String> media = new ArrayList<>();
            if (!storage.publicBaseUrl().isEmpty()) {
                media.add(origin(storage.publicBaseUrl()));
            } else if (storage.kind() == Config.Storage.Kind.s3) { // presigned GET URLs point at the bucket
                media.add(storage.s3().endpoint().isEmpty()
                        ? "https://" + storage.s3().bucket() + ".s3." + storage.s3().region() + ".amazonaws.com https://s3."
                                + storage.s3().region() + ".amazonaws.com"
                        : origin(storage.s3().endpoint()));
            }
            List<String> assets = web.assets() == Config.Web.Assets.published && !storage.publicBaseUrl().isEmpty()
                    ? List.of(origin(storage.publicBaseUrl()))
                    : List.of();
            return new ContentOrigins(assets, media);
        }

        private static String origin(String url) {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getAuthority();
        }
    }

    /** site: null on a node without the web role, which then listens on its admin port only. */
    public HttpServer(Config.Http config, PublicSite site, Handler admin, MeterRegistry metrics) {
        this.server = new Server(threadPool(config));
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);

        // The admin connector runs on its own small pool of platform threads: health and metrics
        // answer even when every request thread (or, with virtual threads, every carrier) is busy.
        adminConnector = new ServerConnector(server, adminThreadPool(), null, null, 1, 1, new HttpConnectionFactory(httpConfig));
        adminConnector.setName(ADMIN_CONNECTOR);
        adminConnector.setHost(config.adminHost());
        adminConnector.setPort(config.adminPort());
        ContextHandler adminContext = new ContextHandler(admin, "/");
        adminContext.setVirtualHosts(List.of("@" + ADMIN_CONNECTOR));

        if (site == null) {
            apiConnector = null;
            server.addConnector(adminConnector);
            server.setHandler(new GracefulHandler(new ContextHandlerCollection(adminContext)));
        } else {
            HttpConfiguration apiHttpConfig = new HttpConfiguration(httpConfig);
            apiHttpConfig.addCustomizer(new TrustedProxyCustomizer(config.trustedProxies()));
            apiConnector = new ServerConnector(server, new HttpConnectionFactory(apiHttpConfig));
            apiConnector.setName(API_CONNECTOR);
            apiConnector.setHost(config.host());
            apiConnector.setPort(config.port());
            apiConnector.setIdleTimeout(config.idleTimeout().toMillis());
            apiConnector.setAcceptQueueSize(config.acceptQueue());
            server.addConnector(apiConnector);
            server.addConnector(adminConnector);

            Handler page = site.indexHtml() == null ? webPage() : new Handler.Sequence(new IndexPage(site.indexHtml()), webPage());
            Handler routes = site.fastPath().apply(
                    new ApiOrPage(ContainerFactory.createContainer(JettyHttpContainer.class, site.api()), site.media(), page));
            Handler bounded = new BodyLimitHandler(site.bodyLimits(), routes);
            Handler api = new RequestIdHandler(new MinimumDataRateHandler(config.minRequestDataRate(),
                    new UnreadBodyHandler(site.readOnly() ? new ReadOnlyNodeHandler(bounded) : bounded)));
            Handler named = site.servedBy() == null ? api : new ServedByHandler(site.servedBy(), api);
            ContextHandler apiContext = new ContextHandler(
                    new SecurityHeadersHandler(site.contentOrigins().assets(), site.contentOrigins().media(), named), "/");
            apiContext.setVirtualHosts(List.of("@" + API_CONNECTOR));
            server.setHandler(new GracefulHandler(new ContextHandlerCollection(apiContext, adminContext)));
        }
        server.setStopTimeout(config.stopTimeout().toMillis());
        server.setStopAtShutdown(false); // Main owns the shutdown order
        server.setRequestLog(new AccessLog());
        server.setErrorHandler(new ProblemErrorHandler());

        JettyConnectionMetrics.addToAllConnectors(server, metrics);
        if (server.getThreadPool() instanceof QueuedThreadPool queued) {
            new JettyServerThreadPoolMetrics(queued, List.of()).bindTo(metrics);
        }
    }

    /** A few platform threads (acceptor, selector, requests), started and stopped with the admin connector. */
    private static QueuedThreadPool adminThreadPool() {
        QueuedThreadPool pool = new QueuedThreadPool(8, 2);
        pool.setName("admin");
        pool.setReservedThreads(0);
        return pool;
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
     * /api and below go to Jersey, /media/ to the media folder when this node has one, everything
     * else to the static page. (Jetty's PathMappingsHandler would do it too, but makes Jersey see
     * /api as its base path, which doubles it in route tags.)
     */
    private static final class ApiOrPage extends Handler.Sequence {
        private final Handler api;
        private final Handler media;
        private final Handler page;

        ApiOrPage(Handler api, Handler media, Handler page) {
            super(media == null ? new Handler[] {api, page} : new Handler[] {api, media, page});
            this.api = api;
            this.media = media;
            this.page = page;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            if (path.startsWith("/api/") || path.equals("/api")) {
                if (!wellEscaped(request.getHttpURI().getQuery())) {
                    // Jersey rebuilds the request URI with java.net.URI, which throws on a bad escape: a 500, were it let through.
                    Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400, "malformed percent-escape in the query");
                    return true;
                }
                return api.handle(request, response, callback);
            }
            if (media != null && path.startsWith("/media/")) {
                return media.handle(request, response, callback);
            }
            return page.handle(request, response, callback);
        }
    }

    /** Every '%' in the query starts an escape of two hex digits (null: no query). */
    static boolean wellEscaped(String query) {
        if (query == null) {
            return true;
        }
        for (int at = query.indexOf('%'); at >= 0; at = query.indexOf('%', at + 1)) {
            if (at + 2 >= query.length() || !StringUtil.isHex(query, at + 1, 2)) {
                return false;
            }
        }
        return true;
    }

    /** The index page with its asset links rewritten to where they were published; revalidated on every load. */
    private static final class IndexPage extends Handler.Abstract {
        private final byte[] html;

        IndexPage(String html) {
            this.html = html.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            boolean read = HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod());
            if (!read || !(path.equals("/") || path.equals("/index.html"))) {
                return false;
            }
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, html.length);
            boolean head = HttpMethod.HEAD.is(request.getMethod());
            response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(html), callback);
            return true;
        }
    }

    public void start() throws Exception {
        server.start();
    }

    /** Stops taking connections, lets requests in flight finish (bounded), then stops. */
    public void stop() throws Exception {
        server.stop();
    }

    /** The public port, or -1 on a node without the web role. */
    public int apiPort() {
        return apiConnector == null ? -1 : apiConnector.getLocalPort();
    }

    public int adminPort() {
        return adminConnector.getLocalPort();
    }
}
