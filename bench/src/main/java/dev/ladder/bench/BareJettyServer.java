package dev.ladder.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The physical limit of this HTTP stack on this machine: a bare Jetty 12 handler that answers
 * every GET with the same pre-encoded bytes a post read returns (about 1 KB of JSON). The service's
 * read figures are reported as a ratio to this, measured by the same load generator in the same
 * run. It lives in the benchmark sources on purpose: it is a yardstick, never part of the service.
 *
 * <p>Usage: {@code java -jar bench/target/ladder-bench.jar [--port 9090] [--body-file post.json]}.
 * Without a body file it serves a generated 1 KB post. It binds 127.0.0.1 only.
 */
public final class BareJettyServer {
    private BareJettyServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = 9090;
        Path bodyFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--body-file" -> bodyFile = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: BareJettyServer [--port N] [--body-file FILE]");
                    System.exit(2);
                }
            }
        }
        byte[] body = bodyFile != null ? Files.readAllBytes(bodyFile) : samplePost();
        Server server = start(port, body);
        System.out.println("bare-jetty: serving " + body.length + " bytes on 127.0.0.1:"
                + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
        server.join();
    }

    /** Starts the baseline on 127.0.0.1:port (0: any free port). */
    public static Server start(int port, byte[] body) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(64, 8);
        threads.setName("bare");
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new FixedBody(body));
        server.start();
        return server;
    }

    /** Answers with the same headers a post read carries: JSON, an ETag and Cache-Control. */
    static final class FixedBody extends Handler.Abstract.NonBlocking {
        private static final HttpField CONTENT_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
        private static final HttpField ETAG = new PreEncodedHttpField(HttpHeader.ETAG, "\"v1\"");
        private static final HttpField CACHE_CONTROL = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "max-age=5");
        private final ByteBuffer body;

        FixedBody(byte[] body) {
            this.body = ByteBuffer.wrap(body).asReadOnlyBuffer();
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.setStatus(200);
            response.getHeaders().put(CONTENT_TYPE);
            response.getHeaders().put(ETAG);
            response.getHeaders().put(CACHE_CONTROL);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
            response.write(true, body.slice(), callback);
            return true;
        }
    }

    /** A post as the service renders it, with a 900-byte body of words. */
    static byte[] samplePost() {
        Random random = new Random(1);
        String[] words = {"ladder", "climb", "rung", "stage", "scale", "cache", "replica", "shard", "queue", "node"};
        StringBuilder text = new StringBuilder();
        while (text.length() < 900) {
            text.append(words[random.nextInt(words.length)]).append(' ');
        }
        String json = "{\"id\":\"1234567890123456789\",\"author\":\"seed_0000001\",\"body\":\"" + text.substring(0, 900)
                + "\",\"createdAt\":\"2026-11-28T05:00:00Z\",\"updatedAt\":\"2026-11-28T05:00:00Z\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
