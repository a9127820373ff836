package dev.ladder.queue;

import java.time.Duration;
import java.util.Optional;

/**
 * A queue's backlog: waiting (deliverable now or after a backoff), held by workers, dead-lettered,
 * and the age of the oldest waiting job where the queue can tell (SQS reports it only to CloudWatch).
 */
public record QueueDepth(long waiting, long inFlight, long deadLetters, Optional<Duration> oldestWaiting) {
}
