package dev.ladder.plus4;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.cluster.Cluster;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Prometheus' and Alertmanager's HTTP APIs on the users-plus-4 cluster (hosts of groups prometheus, alertmanager). */
final class Monitoring {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI prometheus;
    private final URI alertmanager;

    Monitoring(Cluster.Status status) {
        this.prometheus = URI.create("http://127.0.0.1:" + status.group("prometheus").getFirst().port("http"));
        this.alertmanager = URI.create("http://127.0.0.1:" + status.group("alertmanager").getFirst().port("http"));
    }

    /** GET on Prometheus' API; the {@code data} of a successful answer. */
    JsonNode prometheus(String pathAndQuery) {
        JsonNode answer = get(prometheus.resolve(pathAndQuery));
        if (!"success".equals(answer.path("status").asText())) {
            throw new IllegalStateException("Prometheus answered " + answer);
        }
        return answer.path("data");
    }

    /** The result vector of an instant query. */
    JsonNode query(String promQl) {
        return prometheus("/api/v1/query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8)).path("result");
    }

    /** GET on Alertmanager's API v2 (e.g. /api/v2/alerts). */
    JsonNode alertmanager(String pathAndQuery) {
        return get(alertmanager.resolve(pathAndQuery));
    }

    URI alertmanagerUri() {
        return alertmanager;
    }

    private static JsonNode get(URI uri) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + response.statusCode() + ": " + response.body());
            }
            return Rules.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(uri + " did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
