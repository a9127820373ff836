package dev.ladder.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.testing.TestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The JobQueue contract on the database queue in embedded H2 (claims by conditional lease update). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseJobQueueTest extends JobQueueContract {
    private static final AtomicInteger NAMES = new AtomicInteger();
    protected Database database;
    /** One generator for every queue on this database, as one node has one: two generators with one node id collide. */
    private final IdGenerator ids = new IdGenerator(1);
    protected Config config;

    protected Config config(Path dataDir) {
        return TestApp.config("embedded", Map.of("LADDER_DATA_DIR", dataDir.toString()));
    }

    @BeforeAll
    void openDatabase() throws Exception {
        config = config(Files.createTempDirectory("ladder-queue"));
        database = Database.open(config.database(), config.data().path(), "queue-test", new SimpleMeterRegistry());
        database.migrate();
    }

    @AfterAll
    void closeDatabase() {
        database.close();
    }

    @Override
    protected JobQueue create(Duration visibilityTimeout) {
        Config.Queue queue = new Config.Queue(Config.Queue.Kind.database, 5, Duration.ZERO, Duration.ZERO, visibilityTimeout,
                Duration.ofSeconds(1), 10, Duration.ofDays(1), new Config.Queue.Database(Duration.ofMillis(50)), config.queue().sqs());
        return new DatabaseJobQueue(database.jdbi(), "test-" + NAMES.incrementAndGet(), ids, queue, Clock.systemUTC());
    }

    /** H2 has no SKIP LOCKED that suits, so claims go by conditional lease updates. */
    protected boolean expectsSkipLocked() {
        return false;
    }

    @Test
    void claimsTheWayThisDatabaseSupports() throws Exception {
        assertThat(((DatabaseJobQueue) open(LONG_VISIBILITY)).skipLocked()).isEqualTo(expectsSkipLocked());
    }

    @Test
    void deadLettersOlderThanTheRetentionArePurgedInBoundedBatches() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        for (int i = 0; i < 3; i++) {
            queue.enqueue("poison " + i);
        }
        for (Job job : receiveAll(queue, 3)) {
            queue.deadLetter(job, "no");
        }

        assertThat(queue.purgeDeadLetters(Duration.ofHours(1), 10)).as("too young to purge").isZero();
        Thread.sleep(20);
        assertThat(queue.purgeDeadLetters(Duration.ofMillis(1), 2)).isEqualTo(2);
        assertThat(queue.purgeDeadLetters(Duration.ofMillis(1), 10)).isEqualTo(1);
        assertThat(queue.depth().deadLetters()).isZero();
    }

    @Test
    void aStaleReceiptChangesNothing() throws Exception {
        JobQueue queue = open(SHORT_VISIBILITY);
        queue.enqueue("contested");
        Job stale = next(queue);
        Job current = next(queue); // redelivered after the visibility timeout

        assertThat(queue.complete(List.of(stale))).isZero();
        queue.deadLetter(stale, "late worker");
        queue.retryLater(stale, Duration.ofHours(1), "late worker");
        assertThat(queue.depth().deadLetters()).isZero();

        assertThat(queue.complete(List.of(current))).isEqualTo(1);
    }

    @Test
    void survivesARestartOfTheNode() throws Exception {
        String name = "restart-" + NAMES.incrementAndGet();
        Config.Queue settings = config.queue();
        new DatabaseJobQueue(database.jdbi(), name, ids, settings, Clock.systemUTC()).enqueue("kept");

        DatabaseJobQueue reopened = new DatabaseJobQueue(database.jdbi(), name, ids, settings, Clock.systemUTC());

        assertThat(next(reopened).payload()).isEqualTo("kept");
    }
}
