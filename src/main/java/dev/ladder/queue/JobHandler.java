package dev.ladder.queue;

/** The work behind one kind of job. Must be idempotent: a job may be delivered more than once. */
public interface JobHandler {
    /**
     * Does the job. Returning means done; {@link PermanentJobFailure} means no retry can help;
     * any other exception means try again later.
     */
    void handle(Job job) throws Exception;

    /** The job has failed for good and goes to the dead-letter queue: record the failure. */
    void deadLettered(Job job, String reason);
}
