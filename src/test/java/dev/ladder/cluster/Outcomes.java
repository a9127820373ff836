package dev.ladder.cluster;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every HTTP attempt a drill makes, counted: when it started and ended, its status or the error
 * that replaced one, and the node that served it (X-Served-By). Times are seconds since the
 * drill's origin, so a report reads as a timeline.
 */
public final class Outcomes {
    /** One request. status is 0 when no response came (error names why). */
    public record Attempt(long startNanos, long endNanos, int status, String error, String servedBy) {
        public boolean ok() {
            return error == null && status >= 200 && status < 400;
        }

        public String kind() {
            return error != null ? error : Integer.toString(status);
        }
    }

    /** A response, or null with the attempt saying why there was none. */
    public record Sent(Attempt attempt, HttpResponse<String> response) {
    }

    private final String name;
    private final long origin;
    private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();

    public Outcomes(String name, long originNanos) {
        this.name = name;
        this.origin = originNanos;
    }

    public Sent send(HttpClient client, HttpRequest request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Attempt attempt = new Attempt(start, System.nanoTime(), response.statusCode(), null,
                    response.headers().firstValue("X-Served-By").orElse("-"));
            attempts.add(attempt);
            return new Sent(attempt, response);
        } catch (IOException e) {
            Attempt attempt = new Attempt(start, System.nanoTime(), 0, e.getClass().getSimpleName(), "-");
            attempts.add(attempt);
            return new Sent(attempt, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    public long sent() {
        return attempts.size();
    }

    public long failed() {
        return attempts.stream().filter(attempt -> !attempt.ok()).count();
    }

    /** Attempts by status (or error), e.g. {200=812, 503=14, HttpTimeoutException=1}. */
    public Map<String, Long> byKind() {
        return count(Attempt::kind);
    }

    /** Attempts by the node that served them. */
    public Map<String, Long> byNode() {
        return count(Attempt::servedBy);
    }

    /** Failed attempts by status (or error). */
    public Map<String, Long> failedByKind() {
        return attempts.stream().filter(attempt -> !attempt.ok())
                .collect(Collectors.groupingBy(Attempt::kind, TreeMap::new, Collectors.counting()));
    }

    private Map<String, Long> count(Function<Attempt, String> key) {
        return attempts.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
    }

    /** When the first attempt that failed was sent. */
    public Optional<Long> firstFailureStart() {
        return attempts.stream().filter(attempt -> !attempt.ok()).map(Attempt::startNanos).min(Long::compare);
    }

    /** When the last failed attempt ended. */
    public Optional<Long> lastFailureEnd() {
        return attempts.stream().filter(attempt -> !attempt.ok()).map(Attempt::endNanos).max(Long::compare);
    }

    /** When the first success sent after the given moment ended. */
    public Optional<Long> firstSuccessEndAfter(long nanos) {
        return attempts.stream().filter(attempt -> attempt.ok() && attempt.startNanos() >= nanos).map(Attempt::endNanos)
                .min(Long::compare);
    }

    /** Seconds from the drill's origin. */
    public double at(long nanos) {
        return (nanos - origin) / 1e9;
    }

    public String summary() {
        return "[drill] %s: sent %d, ok %d, failed %d; by status %s; by node %s".formatted(
                name, sent(), sent() - failed(), failed(), byKind(), byNode());
    }
}
