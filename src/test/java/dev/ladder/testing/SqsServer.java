package dev.ladder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A real SQS-compatible server (ElasticMQ) in the test JVM on a free port of 127.0.0.1. The
 * application reaches it with the real AWS SDK client, like it would reach Amazon SQS.
 */
public final class SqsServer implements AutoCloseable {
    public static final String ACCESS_KEY = "ladder-test-access";
    public static final String SECRET_KEY = "ladder-test-secret-key";
    public static final String REGION = "us-east-1";
    private static final AtomicInteger QUEUES = new AtomicInteger();

    private final SQSRestServer server;
    private final int port;
    private final SqsClient client;

    private SqsServer(SQSRestServer server, int port) {
        this.server = server;
        this.port = port;
        this.client = SqsClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    public static SqsServer start() {
        int port = freePort();
        SQSRestServer server = SQSRestServerBuilder
                .withInterface("127.0.0.1")
                .withPort(port)
                .withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""))
                .start();
        server.waitUntilStarted();
        return new SqsServer(server, port);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** A client of this server, for checking from tests. */
    public SqsClient client() {
        return client;
    }

    /** A fresh queue name (its dead-letter queue is this plus "-dlq"). */
    public static String uniqueQueueName() {
        return "ladder-test-" + QUEUES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xFFFFFF);
    }

    /** The environment overrides that point a node's queue at queueName on this server (created at start-up). */
    public Map<String, String> queueOverrides(String queueName) {
        return Map.of(
                "LADDER_QUEUE_KIND", "sqs",
                "LADDER_QUEUE_SQS_REGION", REGION,
                "LADDER_QUEUE_SQS_ENDPOINT", endpoint(),
                "LADDER_QUEUE_SQS_ACCESS_KEY_ID", ACCESS_KEY,
                "LADDER_QUEUE_SQS_SECRET_ACCESS_KEY", SECRET_KEY,
                "LADDER_QUEUE_SQS_QUEUE_NAME", queueName,
                "LADDER_QUEUE_SQS_DEAD_LETTER_QUEUE_NAME", queueName + "-dlq",
                "LADDER_QUEUE_SQS_CREATE_QUEUES", "true");
    }

    @Override
    public void close() {
        client.close();
        server.stopAndWait();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
