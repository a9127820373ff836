package dev.ladder.plus3;

import dev.ladder.cluster.Cluster;
import dev.ladder.testing.Api;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the users-plus-3 app-level tests share: clients that behave like browsers, and the nodes' own counters. */
final class AppTier {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}\\s+([0-9.eE+-]+|NaN)$");

    private AppTier() {
    }

    /**
     * An HTTPS client through the load balancer that keeps the replication-position cookie a write
     * hands back, as a browser does (read-your-writes rides on it), and nothing else.
     */
    static HttpClient browser(Cluster.Status status) {
        return HttpClient.newBuilder()
                .sslContext(Cluster.sslContext(status.caCert()))
                .connectTimeout(Duration.ofSeconds(20))
                .cookieHandler(Api.replicationPositionCookies())
                .build();
    }

    static Api api(Cluster.Status status) {
        return new Api(status.url(), browser(status));
    }

    /**
     * The sum over every node of group of a counter's samples whose labels contain all of labels,
     * from each node's admin /metrics (Prometheus text).
     */
    static double sum(Cluster.Status status, String group, String metric, Map<String, String> labels) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        double total = 0;
        for (Cluster.Host node : status.group(group)) {
            String text;
            try {
                text = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("admin") + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            } catch (Exception e) {
                throw new IllegalStateException("no /metrics from " + node.name(), e);
            }
            for (String line : text.split("\n")) {
                Matcher sample = SAMPLE.matcher(line.strip());
                if (!sample.matches() || !sample.group(1).equals(metric)) {
                    continue;
                }
                Map<String, String> found = labels(sample.group(2));
                if (found.entrySet().containsAll(labels.entrySet())) {
                    total += Double.parseDouble(sample.group(3));
                }
            }
        }
        return total;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        for (String pair : text.split(",(?=[a-zA-Z_]+=\")")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                labels.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip().replaceAll("^\"|\"$", ""));
            }
        }
        return labels;
    }

    /** Zipf-distributed ranks 0..n-1 with exponent s: rank 0 is the hottest. */
    static final class Zipf {
        private final double[] cumulative;

        Zipf(int n, double s) {
            cumulative = new double[n];
            double total = 0;
            for (int rank = 0; rank < n; rank++) {
                total += 1 / Math.pow(rank + 1, s);
                cumulative[rank] = total;
            }
            for (int rank = 0; rank < n; rank++) {
                cumulative[rank] /= total;
            }
        }

        int next(java.util.random.RandomGenerator random) {
            double u = random.nextDouble();
            int low = 0;
            int high = cumulative.length - 1;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (cumulative[mid] < u) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }
    }

    static List<String> names(Cluster.Status status, String group) {
        return status.names(group);
    }
}
