package dev.ladder.photos;

import dev.ladder.config.Config;
import dev.ladder.config.ConfigOptions;
import dev.ladder.ops.RunningNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ladder bench-thumbnails}: how many thumbnails per second one worker node makes. A web-only
 * node (in a fresh temporary data folder) takes N uploads of a photo-like JPEG and stops; then a
 * worker-only node starts on the same data and the clock runs until its metrics count N jobs done.
 * Uploading is not timed, so the figure is the worker's alone: fetch the original, decode, scale,
 * encode, store the thumbnail, mark the photo ready, acknowledge the job.
 */
@Command(name = "bench-thumbnails", mixinStandardHelpOptions = true,
        description = "Measure thumbnails per second for one worker node (default profile: embedded; its data goes to a temporary folder).")
public final class ThumbnailBenchCommand implements Callable<Integer> {
    private static final Pattern SUCCESSES = Pattern.compile(
            "(?m)^ladder_jobs_processing_seconds_count\\{[^}]*outcome=\"success\"[^}]*} ([0-9.Ee+]+)$");

    @Mixin
    ConfigOptions configOptions;

    private final Function<Config, RunningNode> nodes;

    /** nodes: starts a node from a configuration (Main::start), so this command measures the real wiring. */
    public ThumbnailBenchCommand(Function<Config, RunningNode> nodes) {
        this.nodes = Objects.requireNonNull(nodes, "nodes");
    }

    @Option(names = "--photos", defaultValue = "200", description = "Photos to make thumbnails of (1-10000; default ${DEFAULT-VALUE}).")
    int photos;

    @Option(names = "--width", defaultValue = "4032", description = "Width of the test photo (default ${DEFAULT-VALUE}, a 12 MP phone photo).")
    int width;

    @Option(names = "--height", defaultValue = "3024", description = "Height of the test photo (default ${DEFAULT-VALUE}).")
    int height;

    @Option(names = "--concurrency", description = "worker.concurrency (default: the profile's).")
    Integer concurrency;

    @Override
    public Integer call() throws Exception {
        if (photos < 1 || photos > 10_000 || width < 1 || height < 1 || (long) width * height > 40_000_000L) {
            System.err.println("ladder: --photos must be 1-10000 and the photo at most 40 megapixels");
            return 2;
        }
        Path data = Files.createTempDirectory("ladder-bench-");
        try {
            Map<String, String> common = Map.of(
                    "LADDER_DATA_DIR", data.toString(),
                    "LADDER_HTTP_PORT", "0",
                    "LADDER_HTTP_ADMIN_PORT", "0");
            byte[] photo = SyntheticPhoto.jpeg(width, height, 42);
            System.out.printf("Photo: %dx%d JPEG, %d bytes; uploading %d copies through a web-only node...%n", width, height, photo.length, photos);
            try (RunningNode web = nodes.apply(configOptions.loadWith(with(common, "LADDER_NODE_ROLES", "web")));
                 HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                URI api = URI.create("http://127.0.0.1:" + web.apiPort());
                String token = logIn(client, api);
                for (int i = 0; i < photos; i++) {
                    HttpResponse<String> reply = client.send(HttpRequest.newBuilder(api.resolve("/api/photos"))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "image/jpeg")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(), HttpResponse.BodyHandlers.ofString());
                    if (reply.statusCode() != 202) {
                        throw new IllegalStateException("upload " + i + " answered " + reply.statusCode() + ": " + reply.body());
                    }
                }
            }

            Map<String, String> worker = with(common, "LADDER_NODE_ROLES", "worker");
            if (concurrency != null) {
                worker = with(worker, "LADDER_WORKER_CONCURRENCY", Integer.toString(concurrency));
            }
            Config config = configOptions.loadWith(worker);
            System.out.printf("Starting a worker-only node (%s profile, worker.concurrency %d, %d cores)...%n", config.profile(),
                    config.worker().concurrency(), Runtime.getRuntime().availableProcessors());
            long started;
            long finished;
            try (RunningNode node = nodes.apply(config);
                 HttpClient client = HttpClient.newHttpClient()) {
                started = System.nanoTime();
                URI metrics = URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics");
                long deadline = started + Duration.ofMinutes(30).toNanos();
                while (successes(client, metrics) < photos) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the worker did not finish within 30 minutes");
                    }
                    Thread.sleep(20);
                }
                finished = System.nanoTime();
            }
            double seconds = (finished - started) / 1e9;
            // Other processes on the machine take cores from the worker: say how busy it was.
            System.out.printf("%d thumbnails in %.2f s: %.1f thumbnails/s for one worker node (system load average %.1f on %d cores)%n",
                    photos, seconds, photos / seconds, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors());
            return 0;
        } finally {
            deleteTree(data);
        }
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> copy = new java.util.HashMap<>(base);
        copy.put(key, value);
        return copy;
    }

    private static String logIn(HttpClient client, URI api) throws IOException, InterruptedException {
        String credentials = "{\"handle\":\"bench\",\"password\":\"bench-password\"}";
        send(client, api.resolve("/api/users"), "{\"handle\":\"bench\",\"email\":\"bench@example.com\",\"password\":\"bench-password\"}", 201);
        String session = send(client, api.resolve("/api/sessions"), credentials, 201);
        Matcher token = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(session);
        if (!token.find()) {
            throw new IllegalStateException("no token in " + session);
        }
        return token.group(1);
    }

    private static String send(HttpClient client, URI uri, String json, int expected) throws IOException, InterruptedException {
        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (reply.statusCode() != expected) {
            throw new IllegalStateException(uri + " answered " + reply.statusCode() + ": " + reply.body());
        }
        return reply.body();
    }

    private static long successes(HttpClient client, URI metrics) throws IOException, InterruptedException {
        String body = client.send(HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher matcher = SUCCESSES.matcher(body);
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
