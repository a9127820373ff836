package dev.ladder.ops;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.Api;
import dev.ladder.testing.JarProcess;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.SqsServer;
import dev.ladder.testing.TestApp;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM on a node under write load: it drains, exits 0, and every acknowledged write is there after. */
class ShutdownIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sigtermDuringWritesLosesNoAcknowledgedPostAndExitsZero(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of(
                "LADDER_DATA_DIR", dir.resolve("data").toString(),
                "LADDER_HTTP_DRAIN_DELAY", "3s",
                "LADDER_HTTP_STOP_TIMEOUT", "10s");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean sawNotReady = new AtomicBoolean();
        List<String> readiness = new ArrayList<>();
        int exitCode;
        String output;
        try (JarProcess node = JarProcess.start(dir, env)) {
            Api api = new Api(node.apiUri());
            Api admin = new Api(node.adminUri());
            String token = api.signUpAndLogIn("drainer");

            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch warmedUp = new CountDownLatch(50);
            ExecutorService writers = Executors.newFixedThreadPool(8);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                running.add(writers.submit(() -> {
                    for (int i = 0; i < 100_000 && !stop.get(); i++) {
                        try {
                            Api.Reply reply = api.post("/api/posts", json(Map.of("body", "writer " + writer + " post " + i)), bearer(token));
                            if (reply.status() == 201) {
                                acknowledged.add(reply.text("id"));
                                warmedUp.countDown();
                            } else {
                                refused.incrementAndGet();
                            }
                        } catch (UncheckedIOException connectionGone) {
                            refused.incrementAndGet();
                            if (!node.isAlive()) {
                                return;
                            }
                        }
                    }
                }));
            }
            assertThat(warmedUp.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            node.terminate();
            long signalled = System.nanoTime();
            long deadline = signalled + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && !sawNotReady.get()) {
                try {
                    int status = admin.get("/health/ready").status();
                    readiness.add(status + " at +" + (System.nanoTime() - signalled) / 1_000_000 + " ms");
                    sawNotReady.set(status == 503);
                } catch (UncheckedIOException gone) {
                    readiness.add(gone.getCause() + " at +" + (System.nanoTime() - signalled) / 1_000_000 + " ms");
                    break;
                }
            }
            exitCode = node.awaitExit(Duration.ofSeconds(30));
            stop.set(true);
            for (Future<?> writer : running) {
                writer.get();
            }
            writers.shutdown();
            output = node.output();
        }

        assertThat(exitCode).as(output).isZero();
        assertThat(sawNotReady).as("readiness turned 503 while draining; seen: " + readiness + "\n"
                + output.lines().filter(line -> !line.contains("\"access\"")).toList()).isTrue();
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(50);
        assertThat(output).contains("Draining").contains("Stopped");

        try (JarProcess again = JarProcess.start(dir, env)) {
            Api api = new Api(again.apiUri());
            for (String id : acknowledged) {
                assertThat(api.get("/api/posts/" + id).status()).as("acknowledged post " + id).isEqualTo(200);
            }
        }
    }

    @Test
    void anIdleNodeStopsWithinItsDrainDelayNotItsStopTimeout(@TempDir Path dir) {
        Duration drainDelay = Duration.ofSeconds(1);
        Duration stopTimeout = Duration.ofSeconds(20);
        Duration stopped;
        String output;
        try (JarProcess node = JarProcess.start(dir, Map.of(
                "LADDER_DATA_DIR", dir.resolve("data").toString(),
                "LADDER_HTTP_DRAIN_DELAY", "1s",
                "LADDER_HTTP_STOP_TIMEOUT", "20s"))) {
            // Idle, but with what a load balancer leaves behind: kept-alive connections to both ports.
            Api api = new Api(node.apiUri());
            Api admin = new Api(node.adminUri());
            assertThat(api.get("/api/posts").status()).isEqualTo(200);
            assertThat(admin.get("/health/ready").status()).isEqualTo(200);

            long signalled = System.nanoTime();
            node.terminate();
            assertThat(node.awaitExit(Duration.ofSeconds(60))).isZero();
            stopped = Duration.ofNanos(System.nanoTime() - signalled);
            output = node.output();
        }
        // A bound on the shutdown window (rolling deploys wait for it), not a speed test: the margin
        // is generous, and a node that waits out its stopTimeout still fails it.
        assertThat(stopped).as(output).isLessThan(stopTimeout.dividedBy(2)).isGreaterThanOrEqualTo(drainDelay);
        assertThat(output).contains("Stopped").doesNotContain("TimeoutException");
    }

    @Test
    void anIdleUsersPlusNodeLongPollingItsQueueStopsWithinItsDrainDelay(@TempDir Path dir) throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        try (S3Server s3 = S3Server.start(); SqsServer sqs = SqsServer.start()) {
            Map<String, String> env = new HashMap<>(TestApp.usersPlusOverrides(mariaDb, mariaDb.createDatabase(), s3, s3.createBucket(),
                    sqs, SqsServer.uniqueQueueName(), dir.resolve("data")));
            env.put("LADDER_PROFILE", "users-plus");
            env.put("LADDER_QUEUE_RECEIVE_WAIT", "20s");
            env.put("LADDER_HTTP_DRAIN_DELAY", "1s");
            env.put("LADDER_HTTP_STOP_TIMEOUT", "20s");
            Duration stopped;
            String output;
            try (JarProcess node = JarProcess.start(dir, env)) {
                assertThat(new Api(node.apiUri()).get("/api/posts").status()).isEqualTo(200);
                Thread.sleep(2_000); // the worker is inside a 20 s long poll now
                long signalled = System.nanoTime();
                node.terminate();
                assertThat(node.awaitExit(Duration.ofSeconds(60))).isZero();
                stopped = Duration.ofNanos(System.nanoTime() - signalled);
                output = node.output();
            }
            // A worker inside a 20 s long poll is given up to a second to come back; never the whole poll or stopTimeout.
            assertThat(stopped).as(output).isLessThan(Duration.ofSeconds(10));
            assertThat(output).contains("Stopped").doesNotContain("TimeoutException");
        }
    }

    @Test
    void aNodeWhoseJarWasReplacedUnderItStillStopsOnSigterm(@TempDir Path dir) throws Exception {
        // A deploy that overwrites the jar in place: the old node can no longer load the classes
        // it needs to stop. It used to hang until killed; now it closes what it can and exits.
        Path jar = Files.copy(JarProcess.builtJar(), dir.resolve("ladder.jar"));
        Duration stopped;
        int exitCode;
        String output;
        try (JarProcess node = JarProcess.startJar(jar, dir, Map.of("LADDER_DATA_DIR", dir.resolve("data").toString()))) {
            assertThat(new Api(node.apiUri()).get("/api/posts").status()).isEqualTo(200);
            Files.write(jar, new byte[] {'P', 'K', 5, 6}); // not the jar it was started from any more

            long signalled = System.nanoTime();
            node.terminate();
            exitCode = node.awaitExit(Duration.ofSeconds(60));
            stopped = Duration.ofNanos(System.nanoTime() - signalled);
            output = node.output();
        }
        assertThat(stopped).as(output).isLessThan(Duration.ofSeconds(10));
        assertThat(output).contains("Draining");
        assertThat(exitCode).as(output).isIn(0, 1);
    }

    @Test
    void logsAreOneJsonObjectPerLineWithRequestIdsInTheAccessLog(@TempDir Path dir) throws Exception {
        String output;
        try (JarProcess node = JarProcess.start(dir, Map.of("LADDER_DATA_DIR", dir.resolve("data").toString()))) {
            new Api(node.apiUri()).get("/api/posts", "X-Request-Id", "logcheck-1");
            node.terminate();
            node.awaitExit(Duration.ofSeconds(30));
            output = node.output();
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.lines().filter(line -> !line.isBlank()).toList()) {
            JsonNode parsed = JSON.readTree(line); // throws if any line is not JSON
            assertThat(parsed.has("timestamp") && parsed.has("level") && parsed.has("loggerName")).as(line).isTrue();
            lines.add(parsed);
        }
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.get("loggerName").asText()).isEqualTo("access");
            assertThat(line.toString()).contains("logcheck-1").contains("/api/posts");
        });
    }
}
