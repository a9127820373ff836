package dev.ladder.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Single flight: at most one load per key at a time on this node; callers that miss while it runs
 * wait for its result instead of loading too. An invalidation during a load marks that load, so
 * what it read (possibly the replaced version) is handed to the callers already waiting for it
 * (they asked before the change was acknowledged) but never stored, and the next caller starts a
 * fresh load.
 */
final class Flights<T> {
    private final ConcurrentHashMap<String, Flight<T>> running = new ConcurrentHashMap<>();

    /** One load under way. */
    static final class Flight<T> {
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private boolean invalidated;

        /** Runs store unless key was invalidated since this load began; atomic with {@link Flights#invalidate}. */
        synchronized boolean storeUnlessInvalidated(Runnable store) {
            if (invalidated) {
                return false;
            }
            store.run();
            return true;
        }

        private synchronized void markInvalidated() {
            invalidated = true;
        }
    }

    /** load's result for key: this caller's own load, or the one already running. */
    T run(String key, Function<Flight<T>, T> load) {
        Flight<T> mine = new Flight<>();
        Flight<T> other = running.putIfAbsent(key, mine);
        if (other != null) {
            return join(other.result);
        }
        try {
            T value = load.apply(mine);
            mine.result.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.result.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    /**
     * Marks a load of key under way as outdated. Call it before removing key from the local store:
     * a load that stored first is then removed, one that stores later sees the mark.
     */
    void invalidate(String key) {
        Flight<T> flight = running.remove(key);
        if (flight != null) {
            flight.markInvalidated();
        }
    }

    int size() {
        return running.size();
    }

    private static <T> T join(CompletableFuture<T> result) {
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
