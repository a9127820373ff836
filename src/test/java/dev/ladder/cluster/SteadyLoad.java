package dev.ladder.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A few threads running a task back to back until stopped, bounded by a count of tasks and a
 * time, so a drill that goes wrong still ends. The task (one request, or one write retried until
 * acknowledged) records its own outcomes.
 */
public final class SteadyLoad implements AutoCloseable {
    private final String name;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger started = new AtomicInteger();
    private final ExecutorService threads;
    private final List<Future<?>> running = new ArrayList<>();

    private SteadyLoad(String name, int threadCount) {
        this.name = name;
        this.threads = Executors.newFixedThreadPool(threadCount, Thread.ofPlatform().name("load-" + name + "-", 0).daemon().factory());
    }

    /** Starts threadCount threads, each running task(n) with a fresh n until stop(), maxTasks in all, or maxTime. */
    public static SteadyLoad start(String name, int threadCount, int maxTasks, Duration maxTime, IntConsumer task) {
        SteadyLoad load = new SteadyLoad(name, threadCount);
        long deadline = System.nanoTime() + maxTime.toNanos();
        for (int i = 0; i < threadCount; i++) {
            load.running.add(load.threads.submit(() -> {
                while (!load.stopping.get() && System.nanoTime() < deadline) {
                    int n = load.started.getAndIncrement();
                    if (n >= maxTasks) {
                        return;
                    }
                    task.accept(n);
                }
            }));
        }
        return load;
    }

    /** Tasks started so far. */
    public int tasks() {
        return Math.min(started.get(), Integer.MAX_VALUE);
    }

    /** Asks the threads to stop after their current task and waits (bounded) for them. */
    public void stop(Duration wait) {
        stopping.set(true);
        long deadline = System.nanoTime() + wait.toNanos();
        for (Future<?> thread : running) {
            try {
                thread.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("load " + name + " did not stop within " + wait, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("load " + name + " failed: " + e.getCause(), e.getCause());
            }
        }
    }

    @Override
    public void close() {
        stopping.set(true);
        threads.shutdownNow();
    }
}
