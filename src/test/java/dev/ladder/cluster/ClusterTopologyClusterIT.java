package dev.ladder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The users-plus-2 topology as `scripts/cluster up` builds it: every host runs, TLS is the only
 * way in, reads and writes reach their own pools, the CDN caches what the origin lets it, the
 * Ansible code is clean, and bringing the cluster up again changes nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTopologyClusterIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern RECAP = Pattern.compile(
            "^(\\S+)\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)", Pattern.MULTILINE);

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Cluster.Status status;
    private static HttpClient client;

    @BeforeAll
    static void readStatus() {
        status = Cluster.status();
        client = Cluster.httpClient(status);
    }

    @Test
    @Order(1)
    void everyHostOfTheStageIsUp() {
        assertThat(status.stage()).isEqualTo("users-plus-2");
        assertThat(status.url().getScheme()).isEqualTo("https");
        assertThat(status.caCert()).exists();
        assertThat(status.names("lb")).hasSize(1);
        assertThat(status.names("cdn")).hasSize(1);
        assertThat(status.names("read_api")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(status.names("write_api")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(status.names("worker")).hasSizeGreaterThanOrEqualTo(1);
        assertThat(status.names("db_primary")).containsExactly(status.dbPrimary());
        assertThat(status.names("db_standby")).hasSize(1);
        assertThat(status.names("s3")).hasSize(1);
        assertThat(status.names("sqs")).hasSize(1);
        assertThat(status.hosts()).allSatisfy(host -> {
            assertThat(host.up()).as("%s is up", host.name()).isTrue();
            assertThat(host.pid()).as("%s has a pid", host.name()).isPositive();
        });
        assertThat(status.group("read_api")).allSatisfy(host -> assertThat(host.ports()).containsKeys("http", "admin"));
        assertThat(status.host(status.names("lb").getFirst()).ports()).containsKeys("https", "http", "stats", "db");
    }

    @Test
    @Order(2)
    void httpsWorksWithTheClusterCaAndSetsHsts() throws Exception {
        HttpResponse<String> response = get(status.url().resolve("/api/posts"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Strict-Transport-Security")).hasValueSatisfying(hsts ->
                assertThat(hsts).startsWith("max-age=").satisfies(value ->
                        assertThat(Long.parseLong(value.replaceAll("max-age=(\\d+).*", "$1"))).isGreaterThanOrEqualTo(31_536_000L)));
    }

    @Test
    @Order(3)
    void tlsOlderThanOneTwoIsRefusedAndOneTwoIsAccepted() {
        String target = status.url().getHost() + ":" + status.url().getPort();

        Cluster.Result tls11 = openssl(target, "-tls1_1");
        Cluster.Result tls12 = openssl(target, "-tls1_2");

        assertThat(tls11.exitCode()).as(tls11.output()).isNotZero();
        assertThat(tls11.output()).containsIgnoringCase("protocol version");
        assertThat(tls12.exitCode()).as(tls12.output()).isZero();
        assertThat(tls12.output()).contains("Verify return code: 0 (ok)");
    }

    @Test
    @Order(4)
    void plainHttpRedirectsToHttps() throws Exception {
        HttpResponse<String> response = get(status.httpUrl().resolve("/api/posts?limit=1"));

        assertThat(response.statusCode()).isEqualTo(301);
        assertThat(response.headers().firstValue("Location"))
                .hasValue(status.url().resolve("/api/posts?limit=1").toString());
    }

    @Test
    @Order(5)
    void readsAreServedByReadNodesAndWritesByWriteNodes() throws Exception {
        Optional<String> servedBy = get(status.url().resolve("/api/posts")).headers().firstValue("X-Served-By");
        assumeTrue(servedBy.isPresent(), "the nodes do not send X-Served-By yet (http.servedBy)");

        Set<String> readers = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> read = get(status.url().resolve("/api/posts?limit=1"));
            assertThat(read.statusCode()).isEqualTo(200);
            readers.add(read.headers().firstValue("X-Served-By").orElseThrow());
        }
        Set<String> writers = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            String handle = "topo_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
            HttpResponse<String> write = client.send(HttpRequest.newBuilder(status.url().resolve("/api/users"))
                            .timeout(TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"handle\":\"" + handle + "\",\"email\":\""
                                    + handle + "@example.com\",\"password\":\"correct horse battery\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(write.statusCode()).as(write.body()).isEqualTo(201);
            writers.add(write.headers().firstValue("X-Served-By").orElseThrow());
        }

        assertThat(readers).isSubsetOf(status.names("read_api")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(writers).isSubsetOf(status.names("write_api")).isNotEmpty();
    }

    @Test
    @Order(6)
    void theCdnServesPublishedAssetsAndCachesThemAsTheOriginSays() throws Exception {
        HttpResponse<String> page = get(status.url().resolve("/"));
        assertThat(page.statusCode()).isEqualTo(200);
        Matcher asset = Pattern.compile(Pattern.quote(status.cdnUrl().toString()) + "/static/[A-Za-z0-9._-]+\\.css").matcher(page.body());
        assertThat(asset.find()).as("the page loads its CSS from the CDN %s: %s", status.cdnUrl(), page.body()).isTrue();
        URI css = URI.create(asset.group());

        HttpResponse<String> first = get(css);
        HttpResponse<String> second = get(css);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/css"));
        assertThat(first.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(first.headers().firstValue("Cache-Control")).hasValueSatisfying(cacheControl ->
                assertThat(cacheControl).contains("max-age=31536000").contains("immutable"));
        assertThat(second.headers().firstValue("X-Cache-Status")).hasValue("HIT");
        assertThat(second.body()).isEqualTo(first.body());
    }

    @Test
    @Order(7)
    void aPhotoUploadedThroughTheBalancerGetsItsThumbnailFromTheWorkerServedByTheCdn() throws Exception {
        String handle = "photo_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        String password = "correct horse battery";
        assertThat(postJson("/api/users", "{\"handle\":\"" + handle + "\",\"email\":\"" + handle
                + "@example.com\",\"password\":\"" + password + "\"}", null).statusCode()).isEqualTo(201);
        HttpResponse<String> session = postJson("/api/sessions",
                "{\"handle\":\"" + handle + "\",\"password\":\"" + password + "\"}", null);
        String token = JSON.readTree(session.body()).path("token").asText();
        BufferedImage image = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < image.getWidth(); x++) {
            image.setRGB(x, x % image.getHeight(), 0xff8800);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);

        HttpResponse<String> upload = client.send(HttpRequest.newBuilder(status.url().resolve("/api/photos"))
                        .timeout(TIMEOUT)
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(png.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
        String id = JSON.readTree(upload.body()).path("id").asText();

        JsonNode ready = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> JSON.readTree(get(status.url().resolve("/api/photos/" + id)).body()),
                        photo -> "ready".equals(photo.path("status").asText()));
        URI thumbnail = URI.create(ready.path("thumbnailUrl").asText());
        assertThat(thumbnail.toString()).startsWith(status.cdnUrl().toString());
        HttpResponse<byte[]> served = client.send(HttpRequest.newBuilder(thumbnail).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(ImageIO.read(new ByteArrayInputStream(served.body())).getWidth())
                .isEqualTo(ready.path("thumbnailWidth").asInt());
    }

    @Test
    @Order(8)
    void theAnsibleCodePassesSyntaxCheckAndLint() {
        Cluster.Result syntax = Cluster.run(List.of("bash", "-c",
                "cd ansible && ANSIBLE_CONFIG=ansible.cfg ansible-playbook --syntax-check -i inventories/local users-plus-2.yml deploy.yml"
                        + " && ANSIBLE_CONFIG=ansible.cfg ansible-playbook --syntax-check -i inventories/example users-plus-2.yml"),
                Duration.ofMinutes(2));
        Cluster.Result lint = Cluster.run(List.of("bash", "-c", "cd ansible && ANSIBLE_CONFIG=ansible.cfg ansible-lint --offline --nocolor"),
                Duration.ofMinutes(5));

        assertThat(syntax.exitCode()).as(syntax.output()).isZero();
        assertThat(lint.exitCode()).as(lint.output()).isZero();
    }

    @Test
    @Order(9)
    void bringingTheClusterUpAgainChangesNothing() {
        Cluster.Result up = Cluster.run(List.of(Cluster.repo().resolve("scripts/cluster").toString(), "up", "users-plus-2"),
                Duration.ofMinutes(10));

        assertThat(up.exitCode()).as(up.output()).isZero();
        Matcher recap = RECAP.matcher(up.output().substring(up.output().lastIndexOf("PLAY RECAP")));
        int hosts = 0;
        while (recap.find()) {
            hosts++;
            assertThat(Integer.parseInt(recap.group(3))).as("changed on %s:%n%s", recap.group(1), up.output()).isZero();
            assertThat(Integer.parseInt(recap.group(5))).as("failed on %s", recap.group(1)).isZero();
        }
        assertThat(hosts).isGreaterThanOrEqualTo(status.hosts().size());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postJson(String path, String body, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(status.url().resolve(path))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Cluster.Result openssl(String target, String protocol) {
        // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal seen is the server's.
        return Cluster.run(List.of("bash", "-c", "openssl s_client -connect " + target + " -servername localhost " + protocol
                + " -cipher 'DEFAULT:@SECLEVEL=0' -CAfile " + status.caCert() + " </dev/null"), Duration.ofSeconds(30));
    }
}
