package dev.ladder.errors;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ladder.config.Config;
import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import io.sentry.Sentry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Error reporting against a real HTTP server that receives Sentry's envelopes (the SDK is not
 * mocked: a DSN may name any server): off without a DSN; on with one, an unhandled 500 of the API
 * and an error logged by the node each arrive as an event carrying the request id.
 */
class ErrorReportingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ARRIVAL = Duration.ofSeconds(30);

    private final List<Envelope> received = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private HttpServer sentry;

    record Envelope(JsonNode header, List<JsonNode> itemHeaders, List<JsonNode> items) {
        Optional<JsonNode> event() {
            for (int i = 0; i < itemHeaders.size(); i++) {
                if ("event".equals(itemHeaders.get(i).path("type").asText())) {
                    return Optional.of(items.get(i));
                }
            }
            return Optional.empty();
        }
    }

    @BeforeEach
    void startTheReceiver() throws IOException {
        sentry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sentry.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                        body = in.readAllBytes();
                    }
                }
                paths.add(exchange.getRequestURI().getPath());
                received.add(parse(new String(body, StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        sentry.start();
    }

    @AfterEach
    void stopTheReceiver() {
        sentry.stop(0);
    }

    private String dsn() {
        return "http://publickey@127.0.0.1:" + sentry.getAddress().getPort() + "/42";
    }

    @Test
    void offWithoutADsn(@TempDir Path dir) {
        try (TestApp app = TestApp.embedded(dir)) {
            assertThat(app.config().errors().enabled()).isFalse();
            assertThat(Sentry.isEnabled()).isFalse();
            LoggerFactory.getLogger("test").error("nobody hears this");
        }
        assertThat(received).isEmpty();
    }

    @Test
    void anUnhandled500ArrivesWithItsRequestId(@TempDir Path dir) throws Exception {
        // An in-memory H2 database the test can reach too, to break it under the running node.
        String url = "jdbc:h2:mem:errors" + System.nanoTime()
                + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        try (TestApp app = TestApp.start("embedded", Map.of(
                "LADDER_DATA_DIR", dir.toString(),
                "LADDER_DATABASE_URL", url,
                "LADDER_NODE_NAME", "sentry-node",
                "LADDER_ERRORS_SENTRY_DSN", dsn(),
                "LADDER_ERRORS_ENVIRONMENT", "test-env"))) {
            assertThat(Sentry.isEnabled()).isTrue();
            Api api = new Api(app.apiUri());
            String token = api.signUpAndLogIn("reporter");
            Config.Database database = app.config().database();
            try (Connection connection = DriverManager.getConnection(url, database.user(), database.password());
                 Statement statement = connection.createStatement()) {
                // A table the code expects is gone: a fault no mapper knows, so a 500.
                statement.execute("ALTER TABLE posts RENAME TO posts_hidden");
            }
            Api.Reply reply = api.post("/api/posts", json(Map.of("body", "never stored")),
                    "Authorization", "Bearer " + token, "X-Request-Id", "req-sentry-500");
            assertThat(reply.status()).as(reply.body()).isEqualTo(500);
            assertThat(reply.header("X-Request-Id")).isEqualTo("req-sentry-500");

            JsonNode event = awaitEvent("req-sentry-500");
            assertThat(event.path("level").asText()).isEqualTo("error");
            assertThat(event.path("environment").asText()).isEqualTo("test-env");
            assertThat(event.path("server_name").asText()).isEqualTo("sentry-node");
            assertThat(event.path("release").asText()).startsWith("ladder@");
            assertThat(event.path("exception").path("values")).as("the exception and its causes").isNotEmpty();
            assertThat(event.path("message").path("formatted").asText()).isEqualTo("Unhandled error");
            assertThat(paths).allSatisfy(path -> assertThat(path).isEqualTo("/api/42/envelope/"));

            // A read that fails below Jersey (the cached-post path) answers 500 too, and is reported.
            Api.Reply read = api.get("/api/posts/123456789", "X-Request-Id", "req-sentry-read");
            assertThat(read.status()).as(read.body()).isEqualTo(500);
            assertThat(awaitEvent("req-sentry-read").path("exception").path("values")).isNotEmpty();
        }
        // Closing the node closed the SDK: nothing more is sent.
        assertThat(Sentry.isEnabled()).isFalse();
    }

    @Test
    void aLoggedErrorArrivesWithTheRequestIdOfItsThread(@TempDir Path dir) {
        try (TestApp app = TestApp.start("embedded", Map.of(
                "LADDER_DATA_DIR", dir.toString(),
                "LADDER_ERRORS_SENTRY_DSN", dsn()))) {
            MDC.put("requestId", "req-logged-1");
            try {
                LoggerFactory.getLogger("dev.ladder.test").error("the thumbnail of {} failed", 7);
                LoggerFactory.getLogger("dev.ladder.test").warn("a warning is not an error");
            } finally {
                MDC.remove("requestId");
            }
            JsonNode event = awaitEvent("req-logged-1");
            assertThat(event.path("message").path("formatted").asText()).isEqualTo("the thumbnail of 7 failed");
            assertThat(event.path("logger").asText()).isEqualTo("dev.ladder.test");
            assertThat(event.path("environment").asText()).as("the profile, when errors.environment is empty").isEqualTo("embedded");
        }
        assertThat(received.stream().flatMap(envelope -> envelope.event().stream()))
                .noneMatch(event -> event.path("message").path("formatted").asText().contains("warning"));
    }

    @Test
    void aFailedStartUpIsReportedBeforeTheNodeGivesUp(@TempDir Path dir) throws Exception {
        // The data folder is a file: the embedded database cannot open, after error reporting started.
        Path notAFolder = java.nio.file.Files.writeString(dir.resolve("data"), "a file");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestApp.start("embedded", Map.of(
                "LADDER_DATA_DIR", notAFolder.toString(),
                "LADDER_ERRORS_SENTRY_DSN", dsn()))).isInstanceOf(RuntimeException.class);
        // Closing flushed it: the event is already there.
        assertThat(received.stream().flatMap(envelope -> envelope.event().stream()))
                .anySatisfy(event -> assertThat(event.path("message").path("formatted").asText()).isEqualTo("Start-up failed"));
        assertThat(Sentry.isEnabled()).isFalse();
    }

    @Test
    void aHandlerFailureBelowJerseyIsReportedWithItsRequestId() throws Exception {
        // Jetty's own error path (ProblemErrorHandler), as a handler that throws outside the API reaches it.
        org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new dev.ladder.http.RequestIdHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) {
                throw new IllegalStateException("a handler bug");
            }
        }));
        server.setErrorHandler(new dev.ladder.http.ProblemErrorHandler());
        try (ErrorReporting reporting = ErrorReporting.start(new Config.Errors(dsn(), "", 1.0), "jetty-node", "embedded")) {
            server.start();
            Api.Reply reply = new Api(java.net.URI.create("http://127.0.0.1:" + connector.getLocalPort()))
                    .get("/anything", "X-Request-Id", "req-jetty-500");
            assertThat(reply.status()).isEqualTo(500);
            JsonNode event = awaitEvent("req-jetty-500");
            assertThat(event.path("exception").path("values").toString()).contains("a handler bug");
        } finally {
            server.stop();
        }
    }

    private JsonNode awaitEvent(String requestId) {
        return await("an event tagged requestId=" + requestId).atMost(ARRIVAL).pollInterval(Duration.ofMillis(50))
                .until(() -> received.stream().flatMap(envelope -> envelope.event().stream())
                        .filter(event -> requestId.equals(event.path("tags").path(ErrorReporting.REQUEST_ID_TAG).asText()))
                        .findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    /** An envelope: a header line, then per item a header line and a payload (one line of JSON for events). */
    private static Envelope parse(String text) throws IOException {
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        List<JsonNode> itemHeaders = new ArrayList<>();
        List<JsonNode> items = new ArrayList<>();
        for (int i = 1; i + 1 < lines.size(); i += 2) {
            itemHeaders.add(JSON.readTree(lines.get(i)));
            JsonNode item;
            try {
                item = JSON.readTree(lines.get(i + 1));
            } catch (IOException notJson) {
                item = JSON.nullNode();
            }
            items.add(item);
        }
        return new Envelope(JSON.readTree(lines.getFirst()), itemHeaders, items);
    }
}
