package dev.ladder.queue;

import java.time.Duration;
import java.util.List;

/**
 * A queue of jobs of one kind, delivered at least once. A received job is hidden from other
 * receivers for the visibility timeout; if it is neither completed, retried nor dead-lettered by
 * then (its worker died) it is delivered again. Order is not promised. Handlers must therefore be
 * idempotent.
 */
public interface JobQueue extends AutoCloseable {
    int MAX_PAYLOAD_CHARS = 1024;

    /** The queue's name, for logs and metric tags. */
    String name();

    /** Adds a job; returns its id. */
    String enqueue(String payload);

    /**
     * Up to max jobs (1-10), waiting up to wait for the first one to arrive; an empty list when
     * none came in time.
     */
    List<Job> receive(int max, Duration wait) throws InterruptedException;

    /**
     * Removes jobs that are done. Returns how many were still held by these deliveries (and so
     * completed now): a delivery whose hold had lapsed completes nothing.
     */
    int complete(List<Job> jobs);

    /** Gives the job back, to be delivered again after delay (backoff). */
    void retryLater(Job job, Duration delay, String reason);

    /** Moves the job to the dead-letter queue: it is never delivered again. */
    void deadLetter(Job job, String reason);

    /** How many jobs wait, are held, and are dead; may be approximate. */
    QueueDepth depth();

    /**
     * Forgets dead-lettered jobs older than retention, at most limit of them; returns how many.
     * Queues that expire messages themselves (SQS) do nothing.
     */
    int purgeDeadLetters(Duration retention, int limit);

    @Override
    default void close() {
    }

    static String checkPayload(String payload) {
        if (payload == null || payload.isEmpty() || payload.length() > MAX_PAYLOAD_CHARS) {
            throw new IllegalArgumentException("a job payload must be 1-" + MAX_PAYLOAD_CHARS + " characters");
        }
        return payload;
    }

    static int checkBatch(int max) {
        if (max < 1 || max > 10) {
            throw new IllegalArgumentException("receive takes 1-10 jobs at a time, not " + max);
        }
        return max;
    }
}
