package dev.ladder.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The worker loop against a real database queue (H2): success, retries with backoff, dead letters, stopping. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobRunnerTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private Database database;
    private Config config;
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    @BeforeAll
    void openDatabase() throws Exception {
        config = TestApp.config("embedded", Map.of(
                "LADDER_DATA_DIR", Files.createTempDirectory("ladder-runner").toString(),
                "LADDER_QUEUE_MAX_ATTEMPTS", "3",
                "LADDER_QUEUE_RETRY_BACKOFF", "20ms",
                "LADDER_QUEUE_MAX_RETRY_BACKOFF", "50ms",
                "LADDER_QUEUE_VISIBILITY_TIMEOUT", "1s",
                "LADDER_QUEUE_RECEIVE_WAIT", "200ms",
                "LADDER_QUEUE_DATABASE_POLL_INTERVAL", "20ms",
                "LADDER_WORKER_STOP_TIMEOUT", "5s"));
        database = Database.open(config.database(), config.data().path(), "runner-test", metrics);
        database.migrate();
    }

    @AfterAll
    void closeDatabase() {
        database.close();
    }

    /** One generator for every queue of this database: two generators with one node id can make the same id. */
    private final IdGenerator ids = new IdGenerator(2);

    private DatabaseJobQueue queue() {
        return new DatabaseJobQueue(database.jdbi(), "runner-" + NAMES.incrementAndGet(), ids, config.queue(), Clock.systemUTC());
    }

    /** A handler that records what it is given and fails as told. */
    private static final class Recording implements JobHandler {
        final Map<String, List<Integer>> attempts = new ConcurrentHashMap<>();
        final List<String> deadLettered = new CopyOnWriteArrayList<>();
        final List<String> reasons = new CopyOnWriteArrayList<>();
        private final Map<String, Integer> failuresBeforeSuccess;
        private final boolean permanent;

        Recording(Map<String, Integer> failuresBeforeSuccess, boolean permanent) {
            this.failuresBeforeSuccess = failuresBeforeSuccess;
            this.permanent = permanent;
        }

        @Override
        public void handle(Job job) throws Exception {
            List<Integer> seen = attempts.computeIfAbsent(job.payload(), unused -> new CopyOnWriteArrayList<>());
            seen.add(job.attempt());
            if (seen.size() <= failuresBeforeSuccess.getOrDefault(job.payload(), 0)) {
                if (permanent) {
                    throw new PermanentJobFailure("bad input " + job.payload());
                }
                throw new IllegalStateException("flaky " + job.payload());
            }
        }

        @Override
        public void deadLettered(Job job, String reason) {
            deadLettered.add(job.payload());
            reasons.add(reason);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void runsJobsAcknowledgesThemAndRetriesFailuresUntilTheySucceed() throws Exception {
        DatabaseJobQueue queue = queue();
        Recording handler = new Recording(Map.of("flaky", 2), false);
        for (String payload : List.of("a", "b", "c", "flaky")) {
            queue.enqueue(payload);
        }

        try (JobRunner runner = new JobRunner(queue, handler, config.queue(), config.worker(), metrics)) {
            runner.start();
            await(() -> { QueueDepth depth = queue.depth(); return depth.waiting() + depth.inFlight() == 0; });
        }

        assertThat(handler.attempts).containsOnlyKeys("a", "b", "c", "flaky");
        assertThat(handler.attempts.get("a")).containsExactly(1);
        assertThat(handler.attempts.get("flaky")).containsExactly(1, 2, 3);
        assertThat(handler.deadLettered).isEmpty();
        assertThat(queue.depth().deadLetters()).isZero();
    }

    @Test
    void deadLettersAJobThatFailsMaxAttemptsTimesAndSaysWhy() throws Exception {
        DatabaseJobQueue queue = queue();
        Recording handler = new Recording(Map.of("doomed", 99), false);
        queue.enqueue("doomed");

        try (JobRunner runner = new JobRunner(queue, handler, config.queue(), config.worker(), metrics)) {
            runner.start();
            await(() -> queue.depth().deadLetters() == 1);
        }

        assertThat(handler.attempts.get("doomed")).containsExactly(1, 2, 3);
        assertThat(handler.deadLettered).containsExactly("doomed");
        assertThat(handler.reasons.getFirst()).contains("failed 3 times").contains("flaky doomed");
    }

    @Test
    void deadLettersAPermanentFailureAtOnce() throws Exception {
        DatabaseJobQueue queue = queue();
        Recording handler = new Recording(Map.of("garbage", 99), true);
        queue.enqueue("garbage");

        try (JobRunner runner = new JobRunner(queue, handler, config.queue(), config.worker(), metrics)) {
            runner.start();
            await(() -> queue.depth().deadLetters() == 1);
        }

        assertThat(handler.attempts.get("garbage")).containsExactly(1);
        assertThat(handler.reasons).containsExactly("bad input garbage");
    }

    @Test
    void givesUpWithoutRunningAJobWhoseEarlierDeliveriesNeverFinished() throws Exception {
        DatabaseJobQueue queue = queue();
        queue.enqueue("crashes workers");
        for (int attempt = 1; attempt <= 3; attempt++) { // three workers took it and died
            Job job = JobQueueContract.next(queue);
            assertThat(job.attempt()).isEqualTo(attempt);
        }
        Recording handler = new Recording(Map.of(), false);

        try (JobRunner runner = new JobRunner(queue, handler, config.queue(), config.worker(), metrics)) {
            runner.start();
            await(() -> queue.depth().deadLetters() == 1);
        }

        assertThat(handler.attempts).isEmpty();
        assertThat(handler.deadLettered).containsExactly("crashes workers");
        assertThat(handler.reasons.getFirst()).contains("3 deliveries that never finished");
    }

    @Test
    void stoppingLetsTheJobInProgressFinishAndAcknowledgesIt() throws Exception {
        DatabaseJobQueue queue = queue();
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        JobHandler slow = new JobHandler() {
            @Override
            public void handle(Job job) throws Exception {
                started.countDown();
                Thread.sleep(300);
                finished.incrementAndGet();
            }

            @Override
            public void deadLettered(Job job, String reason) {
            }
        };
        queue.enqueue("in progress at shutdown");

        JobRunner runner = new JobRunner(queue, slow, config.queue(), config.worker(), metrics);
        runner.start();
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        runner.close();

        assertThat(finished).hasValue(1);
        QueueDepth depth = queue.depth();
        assertThat(depth.waiting() + depth.inFlight()).isZero();
    }

    @Test
    void backoffDoublesFromRetryBackoffUpToTheCap() {
        Config.Queue settings = new Config.Queue(Config.Queue.Kind.database, 10, Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ZERO, 10, Duration.ofDays(1), config.queue().database(), config.queue().sqs());
        JobRunner runner = new JobRunner(queue(), new Recording(Map.of(), false), settings, config.worker(), metrics);

        assertThat(runner.backoff(1)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
        assertThat(runner.backoff(3)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
        assertThat(runner.backoff(8)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        assertThat(runner.backoff(60)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
    }
}
