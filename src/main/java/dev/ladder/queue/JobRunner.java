package dev.ladder.queue;

import dev.ladder.config.Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: receives jobs from one queue (a batch at a time, never more than it has free slots
 * for), runs them on worker.concurrency threads, acknowledges finished jobs in batches, retries
 * failures with exponential backoff and dead-letters a job after queue.maxAttempts deliveries.
 * Stopping lets jobs in progress finish for up to worker.stopTimeout; the rest are redelivered.
 */
public final class JobRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    private static final Duration RECEIVE_ERROR_PAUSE = Duration.ofSeconds(1);

    private final JobQueue queue;
    private final JobHandler handler;
    private final Config.Queue retries;
    private final Config.Worker worker;
    private final Semaphore slots;
    private final ExecutorService executor;
    private final LinkedBlockingQueue<Job> finished = new LinkedBlockingQueue<>();
    private final AtomicInteger active = new AtomicInteger();
    private final Thread receiver;
    private final Thread acknowledger;
    private volatile boolean stopping;

    private final Timer age;
    private final Counter failures;
    private final Counter deadLetters;
    private final MeterRegistry metrics;

    public JobRunner(JobQueue queue, JobHandler handler, Config.Queue retries, Config.Worker worker, MeterRegistry metrics) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.retries = Objects.requireNonNull(retries, "retries");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.slots = new Semaphore(worker.concurrency());
        AtomicInteger threadNumber = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(worker.concurrency(),
                runnable -> Thread.ofPlatform().name("worker-" + queue.name() + "-" + threadNumber.incrementAndGet()).daemon().unstarted(runnable));
        this.receiver = Thread.ofPlatform().name("receiver-" + queue.name()).daemon().unstarted(this::receiveLoop);
        this.acknowledger = Thread.ofPlatform().name("acks-" + queue.name()).daemon().unstarted(this::acknowledgeLoop);

        String name = queue.name();
        metrics.gauge("ladder.jobs.active", List.of(io.micrometer.core.instrument.Tag.of("queue", name)), active);
        this.age = Timer.builder("ladder.jobs.age").description("How long a job had waited when a worker started it")
                .tag("queue", name).publishPercentileHistogram().register(metrics);
        this.failures = Counter.builder("ladder.jobs.failures").description("Job runs that failed (retried or dead-lettered)")
                .tag("queue", name).register(metrics);
        this.deadLetters = Counter.builder("ladder.jobs.dead.letters").description("Jobs this node moved to the dead-letter queue")
                .tag("queue", name).register(metrics);
    }

    public void start() {
        receiver.start();
        acknowledger.start();
        log.info("Worker started on queue {} with {} threads", queue.name(), worker.concurrency());
    }

    private void receiveLoop() {
        while (!stopping) {
            int wanted;
            try {
                slots.acquire();
                wanted = 1;
                while (wanted < retries.receiveBatch() && slots.tryAcquire()) {
                    wanted++;
                }
            } catch (InterruptedException e) {
                break;
            }
            List<Job> jobs;
            try {
                jobs = queue.receive(wanted, retries.receiveWait());
            } catch (InterruptedException e) {
                slots.release(wanted);
                break;
            } catch (RuntimeException e) {
                slots.release(wanted);
                if (stopping) {
                    break;
                }
                log.warn("Receiving from queue {} failed: {}", queue.name(), e.toString());
                pause();
                continue;
            }
            slots.release(wanted - jobs.size());
            for (Job job : jobs) {
                if (stopping) {
                    giveBack(job);
                    slots.release();
                    continue;
                }
                executor.execute(() -> {
                    try {
                        run(job);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
    }

    private void run(Job job) {
        active.incrementAndGet();
        age.record(Duration.between(job.enqueuedAt(), Instant.now()).abs());
        long started = System.nanoTime();
        String outcome;
        try {
            if (job.attempt() > retries.maxAttempts()) {
                // Its earlier workers all stopped mid-job (crashed or killed): do not try a poison job again.
                outcome = deadLetter(job, "gave up after " + (job.attempt() - 1) + " deliveries that never finished");
            } else {
                handler.handle(job);
                finished.add(job);
                outcome = "success";
            }
        } catch (PermanentJobFailure e) {
            failures.increment();
            outcome = deadLetter(job, e.getMessage());
        } catch (InterruptedException e) {
            // Stopping: the job stays held and is redelivered when its visibility timeout ends.
            outcome = "abandoned";
        } catch (Exception e) {
            failures.increment();
            String reason = e.toString();
            if (job.attempt() >= retries.maxAttempts()) {
                outcome = deadLetter(job, "failed " + job.attempt() + " times; last: " + reason);
            } else {
                Duration delay = backoff(job.attempt());
                log.warn("Job {} of {} failed (attempt {} of {}), retrying in {} ms: {}", job.id(), queue.name(), job.attempt(),
                        retries.maxAttempts(), delay.toMillis(), reason);
                try {
                    queue.retryLater(job, delay, reason);
                } catch (RuntimeException queueError) {
                    log.warn("Could not schedule the retry of job {}; it returns after its visibility timeout: {}", job.id(), queueError.toString());
                }
                outcome = "retry";
            }
        } finally {
            active.decrementAndGet();
        }
        Timer.builder("ladder.jobs.processing").description("Time to run one job, by outcome")
                .tag("queue", queue.name()).tag("outcome", outcome)
                .register(metrics).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private String deadLetter(Job job, String reason) {
        log.warn("Job {} of {} is dead-lettered after attempt {}: {}", job.id(), queue.name(), job.attempt(), reason);
        try {
            handler.deadLettered(job, reason);
            queue.deadLetter(job, reason);
            deadLetters.increment();
        } catch (RuntimeException e) {
            log.warn("Could not dead-letter job {}; it returns after its visibility timeout: {}", job.id(), e.toString());
        }
        return "dead";
    }

    /** retryBackoff * 2^(attempt-1), capped, with ±20% jitter so failed jobs do not return in step. */
    Duration backoff(int attempt) {
        long base = retries.retryBackoff().toMillis();
        long cap = retries.maxRetryBackoff().toMillis();
        long exponential = attempt >= 40 ? cap : Math.min(cap, base << Math.max(0, attempt - 1));
        if (exponential <= 0) {
            return Duration.ZERO;
        }
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.min(cap, Math.round(exponential * jitter)));
    }

    private void acknowledgeLoop() {
        while (true) {
            List<Job> batch = new ArrayList<>();
            try {
                batch.add(finished.take());
            } catch (InterruptedException e) {
                acknowledge(drain()); // stopping: whatever finished last still gets acknowledged
                return;
            }
            finished.drainTo(batch, 9);
            acknowledge(batch);
        }
    }

    private List<Job> drain() {
        List<Job> rest = new ArrayList<>();
        finished.drainTo(rest);
        return rest;
    }

    private void acknowledge(List<Job> batch) {
        for (int from = 0; from < batch.size(); from += 10) {
            List<Job> chunk = batch.subList(from, Math.min(batch.size(), from + 10));
            try {
                int completed = queue.complete(chunk);
                if (completed < chunk.size()) {
                    log.info("{} of {} finished jobs of {} had already been handed to another worker", chunk.size() - completed,
                            chunk.size(), queue.name());
                }
            } catch (RuntimeException e) {
                // The jobs come back after their visibility timeout; the handler finds them done.
                log.warn("Could not acknowledge {} jobs of {}: {}", chunk.size(), queue.name(), e.toString());
            }
        }
    }

    private void giveBack(Job job) {
        try {
            queue.retryLater(job, Duration.ZERO, "worker stopping");
        } catch (RuntimeException e) {
            log.debug("Could not give job {} back; it returns after its visibility timeout", job.id());
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECEIVE_ERROR_PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Jobs this node is running now. */
    public int active() {
        return active.get();
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        receiver.interrupt();
        executor.shutdown();
        if (!executor.awaitTermination(worker.stopTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Jobs of {} still running after {} ms; abandoning them to redelivery", queue.name(), worker.stopTimeout().toMillis());
            executor.shutdownNow();
            executor.awaitTermination(1, TimeUnit.SECONDS);
        }
        acknowledger.interrupt();
        acknowledger.join(5_000);
        // A long poll that ignores interrupts ends within queue.receiveWait; its jobs are given back then.
        receiver.join(1_000);
        log.info("Worker on queue {} stopped", queue.name());
    }
}
