package dev.ladder.photos;

import static dev.ladder.testing.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.queue.DatabaseJobQueue;
import dev.ladder.queue.JobQueue;
import dev.ladder.queue.QueueDepth;
import dev.ladder.queue.SqsJobQueue;
import dev.ladder.testing.Api;
import dev.ladder.testing.ApiAssertions;
import dev.ladder.testing.MariaDb;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.SqsServer;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A worker killed with SIGKILL in the middle of a job: the job is redelivered once its visibility
 * timeout ends, another worker makes the thumbnail, and the effect is had once — one thumbnail
 * object, one photo row turned ready once, nothing left in the queue — even when the job is then
 * delivered yet again. The workers are the real jar, started as worker-only processes; the job is
 * held mid-way by worker.testOnlyJobDelay. Run with the SQS queue and with the database queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerKilledIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Path LOGS = Path.of("target", "worker-killed-it");

    private S3Server s3;
    private SqsServer sqs;
    private final List<Process> workers = new ArrayList<>();
    private TestApp web;

    @BeforeAll
    void startServices() throws IOException {
        s3 = S3Server.start();
        sqs = SqsServer.start();
        Files.createDirectories(LOGS);
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        for (Process worker : workers) {
            worker.destroy();
            if (!worker.waitFor(20, TimeUnit.SECONDS)) {
                worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        workers.clear();
        if (web != null) {
            web.close();
            web = null;
        }
    }

    @AfterAll
    void stopServices() {
        sqs.close();
        s3.close();
    }

    @ParameterizedTest(name = "queue.kind: {0}")
    @ValueSource(strings = {"sqs", "database"})
    void aJobWhoseWorkerIsKilledMidwayIsRedeliveredAndTakesEffectOnce(String queueKind) throws Exception {
        MariaDb mariaDb = MariaDb.shared();
        String bucket = s3.createBucket();
        Map<String, String> env = new HashMap<>(TestApp.usersPlusOverrides(mariaDb, mariaDb.createDatabase(), s3, bucket, sqs,
                SqsServer.uniqueQueueName(), Files.createTempDirectory("ladder-killed")));
        env.put("LADDER_QUEUE_KIND", queueKind);
        env.put("LADDER_QUEUE_VISIBILITY_TIMEOUT", "3s");
        env.put("LADDER_QUEUE_RECEIVE_WAIT", "1s");
        env.put("LADDER_QUEUE_DATABASE_POLL_INTERVAL", "100ms");
        env.put("LADDER_PASSWORDS_ARGON2_MEMORY_KIB", "1024");
        env.put("LADDER_PASSWORDS_ARGON2_ITERATIONS", "1");

        // A web-only node in this JVM takes the upload; it runs no jobs itself.
        Map<String, String> webEnv = new HashMap<>(env);
        webEnv.put("LADDER_NODE_ROLES", "web");
        web = TestApp.start("users-plus", webEnv);
        Api api = new Api(web.apiUri());

        // Worker A: the real jar, worker only, and every job stalls before storing its result.
        Worker first = startWorker(env, queueKind + "-a", Duration.ofMinutes(5));
        String token = api.signUpAndLogIn(ApiAssertions.uniqueHandle("kil"));
        String id = api.sendBytes("POST", "/api/photos", SyntheticPhoto.jpeg(1600, 1200, 77), "image/jpeg", bearer(token)).text("id");

        await("worker A holds the job", () -> first.metric("ladder_jobs_active") == 1.0);
        await("worker A is in the middle of the job", () -> first.logContains("photo " + id + "): sleeping"));
        first.process.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup, the job simply stops
        assertThat(first.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(first.process.exitValue()).isEqualTo(137);

        assertThat(api.get("/api/photos/" + id, bearer(token)).text("status")).isEqualTo("pending");
        assertThat(thumbnailsOf(bucket, id)).isEmpty();

        // Worker B, without the stall: after A's hold lapses it gets the job again and finishes it.
        Worker second = startWorker(env, queueKind + "-b", Duration.ZERO);
        await("the photo is ready", () -> "ready".equals(api.get("/api/photos/" + id, bearer(token)).text("status")));
        JsonNode photo = api.get("/api/photos/" + id, bearer(token)).json();
        assertThat(PhotoApiContract.decode(api.download(photo.get("thumbnailUrl").asText()).body()).getWidth()).isEqualTo(256);
        assertThat(thumbnailsOf(bucket, id)).containsExactly("thumbs/" + id + ".jpg");
        await("worker B has acknowledged the job", () -> second.metric("ladder_jobs_processing_seconds_count") == 1.0);

        Config config = web.config();
        try (Queue queue = openQueue(config)) {
            await("the queue is empty", () -> {
                QueueDepth depth = queue.jobs().depth();
                return depth.waiting() + depth.inFlight() + depth.deadLetters() == 0;
            });

            // At-least-once means the job may come yet again: that must change nothing.
            HeadObjectResponse before = s3.client().headObject(request -> request.bucket(bucket).key("thumbs/" + id + ".jpg"));
            Thread.sleep(1100); // object times have one-second resolution
            queue.jobs().enqueue(id);
            await("worker B has run the duplicate", () -> second.metric("ladder_jobs_processing_seconds_count") == 2.0);
            HeadObjectResponse after = s3.client().headObject(request -> request.bucket(bucket).key("thumbs/" + id + ".jpg"));
            assertThat(after.lastModified()).isEqualTo(before.lastModified());
            assertThat(after.eTag()).isEqualTo(before.eTag());
            assertThat(thumbnailsOf(bucket, id)).containsExactly("thumbs/" + id + ".jpg");
            assertThat(api.get("/api/photos/" + id, bearer(token)).text("status")).isEqualTo("ready");
            assertThat(api.get("/api/users/" + photo.get("owner").asText() + "/photos", bearer(token)).json().get("items")).hasSize(1);
        }
        assertThat(Files.readString(second.log).lines().filter(line -> line.contains("Photo " + id + " thumbnail")).count()).isEqualTo(1);
    }

    private List<String> thumbnailsOf(String bucket, String id) {
        return s3.client().listObjectsV2Paginator(request -> request.bucket(bucket).prefix("thumbs/")).contents().stream()
                .map(object -> object.key()).filter(key -> key.contains(id)).toList();
    }

    /** A worker-only process of the real jar, with its admin port and its log file. */
    private record Worker(Process process, URI admin, Path log) {
        private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)\\{[^}]*} ([0-9.Ee+-]+)$");

        boolean logContains(String text) {
            try {
                return Files.readString(log).contains(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The sum of a metric's samples (every tag combination), 0 when it has none yet. */
        double metric(String name) {
            String body = new Api(admin).get("/metrics").body();
            Matcher matcher = SAMPLE.matcher(body);
            double sum = 0;
            while (matcher.find()) {
                if (matcher.group(1).equals(name)) {
                    sum += Double.parseDouble(matcher.group(2));
                }
            }
            return sum;
        }
    }

    private Worker startWorker(Map<String, String> env, String name, Duration jobDelay) throws Exception {
        int adminPort = freePort();
        Path log = LOGS.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(javaCommand(), "-jar", System.getProperty("ladder.jar"), "--profile", "users-plus")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("LADDER_NODE_ROLES", "worker");
        builder.environment().put("LADDER_HTTP_ADMIN_PORT", Integer.toString(adminPort));
        builder.environment().put("LADDER_WORKER_TEST_ONLY_JOB_DELAY", jobDelay.toMillis() + "ms");
        Process process = builder.start();
        workers.add(process);
        Worker worker = new Worker(process, URI.create("http://127.0.0.1:" + adminPort), log);
        await("worker " + name + " is ready (log: " + log + ")", () -> {
            assertThat(process.isAlive()).as("worker %s is running (log: %s)", name, log).isTrue();
            try {
                return new Api(worker.admin()).get("/health/ready").status() == 200;
            } catch (UncheckedIOException notListeningYet) {
                return false;
            }
        });
        return worker;
    }

    private record Queue(JobQueue jobs, Database database) implements AutoCloseable {
        @Override
        public void close() {
            jobs.close();
            if (database != null) {
                database.close();
            }
        }
    }

    private static Queue openQueue(Config config) {
        if (config.queue().kind() == Config.Queue.Kind.sqs) {
            return new Queue(SqsJobQueue.open(config.queue()), null);
        }
        Database database = Database.open(config.database(), config.data().path(), "test-queue", new SimpleMeterRegistry());
        return new Queue(new DatabaseJobQueue(database.jdbi(), "thumbnails", new IdGenerator(1000), config.queue(), Clock.systemUTC()), database);
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, PATIENCE).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
