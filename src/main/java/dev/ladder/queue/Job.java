package dev.ladder.queue;

import java.time.Instant;

/**
 * One delivery of a job. attempt counts deliveries, this one included (1 on the first); receipt
 * identifies this delivery, so a worker whose hold has lapsed cannot complete or fail the job
 * another worker now holds.
 */
public record Job(String id, String payload, int attempt, Instant enqueuedAt, String receipt) {
}
