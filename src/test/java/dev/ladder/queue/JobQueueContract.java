package dev.ladder.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every JobQueue does, run against each implementation: the database queue on H2 and on
 * MariaDB, and SQS (ElasticMQ with the real AWS SDK client). Each test gets a fresh queue.
 * Order is never assumed; nothing here measures time, waits are only upper bounds.
 */
abstract class JobQueueContract {
    static final Duration SHORT_VISIBILITY = Duration.ofSeconds(1);
    static final Duration LONG_VISIBILITY = Duration.ofMinutes(5);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final List<JobQueue> opened = new ArrayList<>();

    /** A new, empty queue whose deliveries stay hidden for visibilityTimeout. */
    protected abstract JobQueue create(Duration visibilityTimeout) throws Exception;

    JobQueue open(Duration visibilityTimeout) throws Exception {
        JobQueue queue = create(visibilityTimeout);
        opened.add(queue);
        return queue;
    }

    @AfterEach
    void closeQueues() {
        opened.forEach(JobQueue::close);
    }

    /** Receives until count jobs have come (or patience runs out), without completing them. */
    static List<Job> receiveAll(JobQueue queue, int count) throws InterruptedException {
        List<Job> jobs = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (jobs.size() < count && System.nanoTime() < deadline) {
            jobs.addAll(queue.receive(Math.min(10, count - jobs.size()), Duration.ofSeconds(1)));
        }
        return jobs;
    }

    /** The next delivery, waiting up to the test's patience for it. */
    static Job next(JobQueue queue) throws InterruptedException {
        List<Job> jobs = receiveAll(queue, 1);
        assertThat(jobs).as("a job within %s", PATIENCE).hasSize(1);
        return jobs.getFirst();
    }

    @Test
    void deliversEveryEnqueuedJobWithItsPayloadOnItsFirstAttempt() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        Instant before = Instant.now().minusSeconds(1);
        Set<String> ids = new HashSet<>();
        for (String payload : List.of("one", "two", "three")) {
            ids.add(queue.enqueue(payload));
        }

        List<Job> jobs = receiveAll(queue, 3);

        assertThat(jobs).extracting(Job::payload).containsExactlyInAnyOrder("one", "two", "three");
        assertThat(jobs).extracting(Job::id).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(jobs).allSatisfy(job -> {
            assertThat(job.attempt()).isEqualTo(1);
            assertThat(job.enqueuedAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
            assertThat(job.receipt()).isNotBlank();
        });
    }

    @Test
    void anEmptyQueueAnswersEmptyAfterWaiting() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);

        assertThat(queue.receive(10, Duration.ofSeconds(1))).isEmpty();
        assertThat(queue.receive(1, Duration.ZERO)).isEmpty();
    }

    @Test
    void aWaitingReceiverGetsAJobEnqueuedWhileItWaits() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        try (ExecutorService executor = Executors.newSingleThreadExecutor()) {
            Future<List<Job>> waiting = executor.submit(() -> queue.receive(1, Duration.ofSeconds(15)));
            Thread.sleep(300);
            queue.enqueue("late");

            assertThat(waiting.get()).extracting(Job::payload).containsExactly("late");
        }
    }

    @Test
    void aHeldJobIsHiddenThenRedeliveredAfterItsVisibilityTimeoutWithTheNextAttempt() throws Exception {
        JobQueue queue = open(SHORT_VISIBILITY);
        String id = queue.enqueue("slow");
        Job first = next(queue);

        assertThat(queue.receive(10, Duration.ZERO)).as("hidden while held").isEmpty();
        Job second = next(queue); // the holder never finished: the job comes back

        assertThat(second.id()).isEqualTo(id).isEqualTo(first.id());
        assertThat(second.payload()).isEqualTo("slow");
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.receipt()).isNotEqualTo(first.receipt());
        assertThat(queue.complete(List.of(second))).isEqualTo(1);
    }

    @Test
    void aCompletedJobIsGoneForGood() throws Exception {
        JobQueue queue = open(SHORT_VISIBILITY);
        queue.enqueue("done");
        Job job = next(queue);

        assertThat(queue.complete(List.of(job))).isEqualTo(1);

        Thread.sleep(SHORT_VISIBILITY.plusMillis(300)); // past any visibility timeout
        assertThat(queue.receive(10, Duration.ofMillis(300))).isEmpty();
        QueueDepth depth = queue.depth();
        assertThat(depth.waiting() + depth.inFlight() + depth.deadLetters()).isZero();
    }

    @Test
    void completesInBatches() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        for (int i = 0; i < 12; i++) {
            queue.enqueue("job " + i);
        }
        List<Job> jobs = receiveAll(queue, 12);

        assertThat(queue.complete(jobs)).isEqualTo(12);
        assertThat(queue.complete(List.of())).isZero();
        QueueDepth depth = queue.depth();
        assertThat(depth.waiting() + depth.inFlight()).isZero();
    }

    @Test
    void aRetriedJobComesBackAfterItsDelayWithTheNextAttempt() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        queue.enqueue("flaky");
        Job first = next(queue);

        queue.retryLater(first, Duration.ZERO, "boom");
        Job second = next(queue);
        assertThat(second.attempt()).isEqualTo(2);

        queue.retryLater(second, Duration.ofMinutes(10), "boom again");
        assertThat(queue.receive(10, Duration.ofSeconds(1))).as("still backing off").isEmpty();
        assertThat(queue.depth().inFlight()).isEqualTo(1);
    }

    @Test
    void aDeadLetteredJobIsNeverDeliveredAgainAndIsCounted() throws Exception {
        JobQueue queue = open(SHORT_VISIBILITY);
        queue.enqueue("poison");
        Job job = next(queue);

        queue.deadLetter(job, "cannot be done");

        Thread.sleep(SHORT_VISIBILITY.plusMillis(300));
        assertThat(queue.receive(10, Duration.ofMillis(300))).isEmpty();
        QueueDepth depth = queue.depth();
        assertThat(depth.deadLetters()).isEqualTo(1);
        assertThat(depth.waiting() + depth.inFlight()).isZero();
    }

    @Test
    void depthCountsWaitingAndHeldJobs() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        for (int i = 0; i < 3; i++) {
            queue.enqueue("job " + i);
        }
        List<Job> held = receiveAll(queue, 1);

        QueueDepth depth = queue.depth();
        assertThat(held).hasSize(1);
        assertThat(depth.waiting()).isEqualTo(2);
        assertThat(depth.inFlight()).isEqualTo(1);
        assertThat(depth.deadLetters()).isZero();
    }

    @Test
    void concurrentConsumersNeverBothGetNorBothCompleteOneJob() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);
        int total = 60;
        for (int i = 0; i < total; i++) {
            queue.enqueue("job " + i);
        }
        Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        AtomicInteger completed = new AtomicInteger();
        try (ExecutorService consumers = Executors.newFixedThreadPool(4)) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                running.add(consumers.submit(() -> {
                    long deadline = System.nanoTime() + PATIENCE.toNanos();
                    while (completed.get() < total && System.nanoTime() < deadline) {
                        List<Job> jobs = queue.receive(3, Duration.ofMillis(200));
                        jobs.forEach(job -> deliveries.computeIfAbsent(job.id(), unused -> new AtomicInteger()).incrementAndGet());
                        completed.addAndGet(queue.complete(jobs));
                    }
                    return null;
                }));
            }
            for (Future<?> consumer : running) {
                consumer.get();
            }
        }

        assertThat(deliveries).hasSize(total);
        assertThat(deliveries.values()).allSatisfy(count -> assertThat(count).hasValue(1));
        assertThat(completed).hasValue(total);
        QueueDepth depth = queue.depth();
        assertThat(depth.waiting() + depth.inFlight()).isZero();
    }

    @Test
    void refusesUnboundedInput() throws Exception {
        JobQueue queue = open(LONG_VISIBILITY);

        assertThatThrownBy(() -> queue.enqueue("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queue.enqueue("x".repeat(JobQueue.MAX_PAYLOAD_CHARS + 1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queue.receive(0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queue.receive(11, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        queue.enqueue("x".repeat(JobQueue.MAX_PAYLOAD_CHARS));
    }
}
