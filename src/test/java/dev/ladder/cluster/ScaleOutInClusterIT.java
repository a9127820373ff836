package dev.ladder.cluster;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * `scripts/cluster scale-out POOL` and `scale-in POOL NODE` under a steady mix of reads and keyed
 * writes, the way an autoscaling group adds and removes a node: a new node process with its pool's
 * configuration, registered in HAProxy through the runtime API once ready; then drained through
 * the runtime API, stopped with SIGTERM and deregistered. Not one request fails, the new node
 * serves requests of its own pool only, and the cluster is left with exactly the hosts and
 * HAProxy servers it had (the cluster ITs after this one see the cluster they expect).
 */
class ScaleOutInClusterIT {
    private static final List<String> POOLS = List.of("read_api", "write_api", "read_api", "write_api");
    private static final long SERVED_BY_NEW_NODE = 20;
    private static final int SLOW_UPLOADS = 6;

    @Test
    void scalingEachPoolOutAndInUnderSteadyLoadFailsNoRequest() throws Exception {
        Cluster.Status status = Cluster.status();
        Set<String> hostsBefore = new HashSet<>(status.hosts().stream().map(Cluster.Host::name).toList());
        Map<String, String> readServersBefore = Cluster.serverStates(status, "read_api");
        Map<String, String> writeServersBefore = Cluster.serverStates(status, "write_api");
        HttpClient client = Drills.httpsClient(status);
        Api api = new Api(status.url(), client);
        String token = api.signUpAndLogIn(uniqueHandle("scale"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            paths.add("/api/posts/" + api.post("/api/posts", json(Map.of("body", "scaled " + i)), bearer(token)).text("id"));
        }
        paths.add("/api/posts?limit=20");

        long origin = System.nanoTime();
        long originMillis = System.currentTimeMillis();
        Outcomes reads = new Outcomes("reads during scale-out and scale-in", origin);
        Outcomes writeAttempts = new Outcomes("writes during scale-out and scale-in", origin);
        KeyedWrites writes = new KeyedWrites(client, status.url(), token, writeAttempts, Duration.ofSeconds(30));
        Set<String> readNodes = new HashSet<>(status.names("read_api"));
        Set<String> writeNodes = new HashSet<>(status.names("write_api"));
        List<Double> startToTraffic = new ArrayList<>();
        List<Double> drains = new ArrayList<>();
        Outcomes uploads = new Outcomes("slow photo uploads under way at the write nodes' drain", origin);
        try (ExecutorService uploadThreads = Executors.newFixedThreadPool(SLOW_UPLOADS);
             SteadyLoad readLoad = SteadyLoad.start("scale-reads", 2, 100_000, Duration.ofMinutes(8), n -> {
                 reads.send(client, HttpRequest.newBuilder(status.url().resolve(paths.get(n % paths.size())))
                         .timeout(Duration.ofSeconds(15)).GET().build());
                 PrimaryFailoverClusterIT.pause(Duration.ofMillis(20));
             });
             SteadyLoad writeLoad = SteadyLoad.start("scale-writes", 2, 20_000, Duration.ofMinutes(8), n -> {
                 writes.write("during scaling " + n);
                 PrimaryFailoverClusterIT.pause(Duration.ofMillis(50));
             })) {
            await().atMost(Duration.ofSeconds(60)).until(() -> reads.sent() >= 50 && writeAttempts.sent() >= 10);
            for (String pool : POOLS) {
                Outcomes served = pool.equals("read_api") ? reads : writeAttempts;
                // A pool's scaled node takes the same name each round: only what it served after this start counts.
                long since = System.nanoTime();
                Predicate<Outcomes.Attempt> servedByIt = attempt -> attempt.ok() && attempt.startNanos() >= since;
                JsonNode out = scale("scale-out", pool);
                String node = out.get("node").asText();
                (pool.equals("read_api") ? readNodes : writeNodes).add(node);

                // status --json lists it in its pool's group, with the fields of the pool's other nodes.
                Cluster.Status scaled = Cluster.status();
                Cluster.Host added = scaled.host(node);
                Cluster.Host sibling = scaled.group(pool).getFirst();
                assertThat(added.group()).isEqualTo(pool);
                assertThat(added.up()).isTrue();
                assertThat(added.pid()).isEqualTo(out.get("pid").asLong());
                assertThat(added.ports().keySet()).isEqualTo(sibling.ports().keySet());
                assertThat(Cluster.serverStates(scaled, pool)).containsEntry(node, "UP");

                await().atMost(Duration.ofSeconds(90)).until(() -> served.attempts().stream()
                        .filter(servedByIt.and(attempt -> node.equals(attempt.servedBy()))).count() >= SERVED_BY_NEW_NODE);
                long firstServed = served.attempts().stream().filter(servedByIt.and(attempt -> node.equals(attempt.servedBy())))
                        .mapToLong(Outcomes.Attempt::endNanos).min().orElseThrow();
                double firstServedAt = (originMillis + (firstServed - origin) / 1e6) / 1000.0;
                double seconds = firstServedAt - out.get("processStartedAt").asDouble();
                startToTraffic.add(seconds);
                System.out.printf("[drill] %s: process start -> ready %.2f s, -> in HAProxy's rotation %.2f s, -> first request"
                                + " served %.2f s%n", node, out.get("startToReadySeconds").asDouble(),
                        out.get("startToInRotationSeconds").asDouble(), seconds);

                long sentBeforeScaleIn = served.sent();
                List<Future<Outcomes.Sent>> slow = List.of();
                if (pool.equals("write_api")) {
                    // Writes that last seconds are under way on the node when its drain begins: it must wait for them.
                    slow = slowUploads(uploadThreads, client, status, token, uploads);
                    // Once HAProxy has sent every upload to a node: it picks one after the first buffer of a body (the
                    // backend counts a request as its session before that, a server only once it has it).
                    Set<String> nodes = new HashSet<>(writeNodes);
                    await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().mapToInt(name -> sessions(status, pool, name)).sum()
                            >= SLOW_UPLOADS && sessions(status, pool, node) >= 1);
                }
                JsonNode in = scale("scale-in", pool, node);
                drains.add(in.get("drainSeconds").asDouble());
                System.out.printf("[drill] %s: %d requests under way at the drain, drained in %.2f s, stopped %.2f s after"
                                + " SIGTERM, scale-in %.2f s in all%n", node, in.get("inFlightAtDrain").asInt(),
                        in.get("drainSeconds").asDouble(), in.get("stopSeconds").asDouble(), in.get("totalSeconds").asDouble());
                assertThat(in.get("drainSeconds").isNull()).as("the drain of " + node + " finished").isFalse();
                if (pool.equals("write_api")) {
                    assertThat(in.get("inFlightAtDrain").asInt()).as("requests under way on " + node + " at its drain").isPositive();
                    for (Future<Outcomes.Sent> upload : slow) {
                        assertThat(upload.get(2, TimeUnit.MINUTES).attempt().status()).as("a slow upload").isEqualTo(202);
                    }
                }
                assertThat(Cluster.status().hosts()).extracting(Cluster.Host::name).doesNotContain(node);
                // The pool carries on without it.
                await().atMost(Duration.ofSeconds(60)).until(() -> served.sent() >= sentBeforeScaleIn + 20);
            }
            readLoad.stop(Duration.ofSeconds(30));
            writeLoad.stop(Duration.ofSeconds(60));
        } finally {
            scaleInWhatIsLeft(hostsBefore);
        }
        long found = writes.acknowledged().stream().filter(write -> api.get("/api/posts/" + write.postId()).status() == 200).count();
        System.out.println(reads.summary());
        System.out.println(writeAttempts.summary());
        System.out.println(uploads.summary());
        System.out.printf("[drill] scale-out/scale-in: failed reads %s, failed write attempts %s; writes acknowledged %d, found %d%n",
                reads.failedByKind(), writeAttempts.failedByKind(), writes.acknowledged().size(), found);
        System.out.printf("[drill] process start -> first request served: %s s (median %.2f s); drains %s s (median %.2f s)%n",
                startToTraffic, median(startToTraffic), drains, median(drains));

        assertThat(reads.failed()).as("failed reads " + reads.failedByKind()).isZero();
        assertThat(writeAttempts.failed()).as("failed write attempts " + writeAttempts.failedByKind()).isZero();
        assertThat(uploads.failed()).as("failed slow uploads " + uploads.failedByKind()).isZero();
        assertThat(found).isEqualTo(writes.acknowledged().size());
        // The split held: reads only on read-api nodes, writes only on write-api nodes (the scaled ones included).
        assertThat(reads.attempts()).extracting(Outcomes.Attempt::servedBy).allMatch(readNodes::contains);
        assertThat(writeAttempts.attempts()).extracting(Outcomes.Attempt::servedBy).allMatch(writeNodes::contains);
        assertThat(uploads.attempts()).extracting(Outcomes.Attempt::servedBy).allMatch(writeNodes::contains);

        // As found: the same hosts, the same servers in HAProxy's pools.
        Cluster.Status after = Cluster.status();
        assertThat(after.hosts()).extracting(Cluster.Host::name).containsExactlyInAnyOrderElementsOf(hostsBefore);
        assertThat(Cluster.serverStates(after, "read_api").keySet()).isEqualTo(readServersBefore.keySet());
        assertThat(Cluster.serverStates(after, "write_api").keySet()).isEqualTo(writeServersBefore.keySet());
    }

    /** Runs `scripts/cluster ACTION ARGS` (its output in the test's), fails on a non-zero exit, returns its [drill-result]. */
    private static JsonNode scale(String action, String... args) {
        List<String> command = new ArrayList<>(List.of(Cluster.repo().resolve("scripts/cluster").toString(), action));
        command.addAll(List.of(args));
        long started = System.nanoTime();
        Cluster.Result result = Cluster.run(command, Duration.ofMinutes(4));
        System.out.print(result.output());
        System.out.printf("[drill] scripts/cluster %s %s: exit %d after %.1f s%n", action, String.join(" ", args), result.exitCode(),
                (System.nanoTime() - started) / 1e9);
        assertThat(result.exitCode()).as("scripts/cluster " + action + " " + String.join(" ", args)).isZero();
        return Drills.drillResult(result);
    }

    /** Whatever a failed run left scaled out goes, so the cluster ITs after this one find the cluster as it was. */
    private static void scaleInWhatIsLeft(Set<String> hostsBefore) {
        Predicate<Cluster.Host> added = host -> !hostsBefore.contains(host.name()) && POOLS.contains(host.group());
        for (Cluster.Host host : Cluster.status().hosts().stream().filter(added).toList()) {
            Cluster.Result result = Cluster.run(List.of(Cluster.repo().resolve("scripts/cluster").toString(), "scale-in",
                    host.group(), host.name()), Duration.ofMinutes(4));
            System.out.print(result.output());
        }
    }

    /**
     * SLOW_UPLOADS photo uploads at once, each body trickling in over about four seconds (well above
     * http.minRequestDataRate), so some are under way on every write node when a drain begins.
     */
    private static List<Future<Outcomes.Sent>> slowUploads(ExecutorService threads, HttpClient client, Cluster.Status status,
                                                           String token, Outcomes uploads) {
        byte[] png = noisePng();
        List<Future<Outcomes.Sent>> sent = new ArrayList<>();
        for (int i = 0; i < SLOW_UPLOADS; i++) {
            sent.add(threads.submit(() -> uploads.send(client, HttpRequest.newBuilder(status.url().resolve("/api/photos"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Trickle(png, png.length / 20, Duration.ofMillis(200))))
                    .build())));
        }
        return sent;
    }

    /** A PNG of random pixels (about 250 KB: noise does not compress), bigger than HAProxy's one buffered request buffer. */
    private static byte[] noisePng() {
        BufferedImage image = new BufferedImage(300, 280, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The bytes, a chunk at a time with a pause before each. */
    private static final class Trickle extends InputStream {
        private final byte[] bytes;
        private final int chunk;
        private final Duration pause;
        private int position;

        Trickle(byte[] bytes, int chunk, Duration pause) {
            this.bytes = bytes;
            this.chunk = chunk;
            this.pause = pause;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= bytes.length) {
                return -1;
            }
            PrimaryFailoverClusterIT.pause(pause);
            int count = Math.min(Math.min(length, chunk), bytes.length - position);
            System.arraycopy(bytes, position, buffer, offset, count);
            position += count;
            return count;
        }
    }

    /** HAProxy's current sessions with one server of a backend (`show stat`), 0 when it has no such server. */
    private static int sessions(Cluster.Status status, String backend, String server) {
        String[] lines = Cluster.haproxy(status, "show stat").split("\n");
        List<String> header = List.of(lines[0].substring(2).split(","));
        for (String line : lines) {
            String[] row = line.split(",");
            if (row.length > header.indexOf("scur") && row[0].equals(backend) && row[1].equals(server)) {
                return Integer.parseInt(row[header.indexOf("scur")]);
            }
        }
        return 0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
