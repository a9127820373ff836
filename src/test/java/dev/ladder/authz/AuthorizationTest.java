package dev.ladder.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.fuzz.ApiDescription;
import dev.ladder.fuzz.FuzzTarget;
import dev.ladder.photos.SyntheticPhoto;
import dev.ladder.testing.Api;
import dev.ladder.testing.S3Server;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * No IDOR: every endpoint of the OpenAPI description, called by the owner of what it names
 * (alice), by another user (bob), anonymously, with a token that is no token, and with alice's
 * session cookie from a foreign Origin or from no Origin at all (CSRF). Each case acts on fresh
 * things of alice's, and a refused call must change nothing stored (row counts and the S3
 * bucket's listing compared). The node stores objects in S3 (s3proxy) so direct uploads run too.
 */
class AuthorizationTest {
    /** Who calls. */
    enum Caller { OWNER, OTHER, ANONYMOUS, BAD_TOKEN, OWNER_COOKIE_FOREIGN_ORIGIN, OWNER_COOKIE_NO_ORIGIN }

    /** What a case sends: path parameters filled in, an optional body, and a check of the answer beyond its status. */
    record Call(String path, String contentType, byte[] body, Check check) {
    }

    interface Check {
        void verify(Caller caller, Api.Reply reply);
    }

    /** One row: sets up fresh things of alice's and says what each caller must get. */
    record Row(String endpoint, String variant, Function<FuzzTarget, Call> setUp, Map<Caller, Integer> expected) {
    }

    @TempDir
    static Path dataDir;
    private static S3Server s3;
    private static FuzzTarget target;
    private static final AtomicInteger FRESH = new AtomicInteger();

    @BeforeAll
    static void start() {
        s3 = S3Server.start();
        target = FuzzTarget.start(dataDir, s3, s3.createBucket());
    }

    @AfterAll
    static void stop() {
        if (target != null) {
            target.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /** Statuses in Caller order: OWNER, OTHER, ANONYMOUS, BAD_TOKEN, OWNER_COOKIE_FOREIGN_ORIGIN, OWNER_COOKIE_NO_ORIGIN. */
    private static Map<Caller, Integer> expect(int... statuses) {
        Map<Caller, Integer> expected = new LinkedHashMap<>();
        for (Caller caller : Caller.values()) {
            expected.put(caller, statuses[caller.ordinal()]);
        }
        return expected;
    }

    private static final Check ANY = (caller, reply) -> { };

    static List<Row> table() {
        List<Row> rows = new ArrayList<>();
        // Changes: the owner may; another user may not (403 if they can see it, 404 if not); nobody without a
        // session; never with alice's cookie from a foreign or missing Origin.
        rows.add(new Row("POST /api/users", "", t -> json("/api/users", Map.of("handle", "user_" + FRESH.incrementAndGet(),
                "email", "u@example.com", "password", "password123")), expect(201, 201, 201, 201, 403, 403)));
        rows.add(new Row("POST /api/sessions", "alice's handle and password", t -> json("/api/sessions",
                Map.of("handle", "alice", "password", "password123")), expect(201, 201, 201, 201, 403, 403)));
        rows.add(new Row("POST /api/sessions", "bob's handle with alice's password", t -> json("/api/sessions",
                Map.of("handle", "bob", "password", "wrong-password")), expect(401, 401, 401, 401, 403, 403)));
        rows.add(new Row("DELETE /api/sessions/current", "", t -> new Call("/api/sessions/current", null, null, (caller, reply) -> {
            // Ending one's own session never ends anyone else's.
            if (caller == Caller.OTHER) {
                assertThat(target.api().get("/api/photos/" + target.seed(FuzzTarget.Seed.ALICE_PRIVATE_PHOTO),
                        Api.bearer(target.token("alice"))).status()).as("alice's session after bob logged out").isEqualTo(200);
            }
        }), expect(204, 204, 401, 401, 403, 403)));
        rows.add(new Row("DELETE /api/sessions", "log out everywhere", t -> new Call("/api/sessions", null, null, (caller, reply) -> {
            // Ending all of one's own sessions never ends anyone else's.
            if (caller == Caller.OTHER) {
                assertThat(target.api().get("/api/photos/" + target.seed(FuzzTarget.Seed.ALICE_PRIVATE_PHOTO),
                        Api.bearer(target.token("alice"))).status()).as("alice's session after bob logged out everywhere").isEqualTo(200);
            }
        }), expect(204, 204, 401, 401, 403, 403)));
        rows.add(new Row("POST /api/posts", "", t -> json("/api/posts", Map.of("body", "hello")), expect(201, 201, 401, 401, 403, 403)));
        rows.add(new Row("POST /api/posts", "showing alice's unpublished photo", t -> json("/api/posts",
                Map.of("body", "mine now", "photoIds", List.of(upload(t)))), expect(201, 400, 401, 401, 403, 403)));
        rows.add(new Row("PUT /api/posts/{id}", "", t -> json("/api/posts/" + post(t), Map.of("body", "edited")),
                expect(200, 403, 401, 401, 403, 403)));
        rows.add(new Row("DELETE /api/posts/{id}", "", t -> new Call("/api/posts/" + post(t), null, null, ANY),
                expect(204, 403, 401, 401, 403, 403)));
        rows.add(new Row("POST /api/photos", "", t -> new Call("/api/photos", "image/png", SyntheticPhoto.png(16, 16, 3), ANY),
                expect(202, 202, 401, 401, 403, 403)));
        rows.add(new Row("DELETE /api/photos/{id}", "unpublished", t -> new Call("/api/photos/" + upload(t), null, null, ANY),
                expect(204, 404, 401, 401, 403, 403)));
        rows.add(new Row("DELETE /api/photos/{id}", "published in a post", t -> new Call("/api/photos/" + published(t), null, null, ANY),
                expect(204, 403, 401, 401, 403, 403)));
        rows.add(new Row("POST /api/photos/uploads", "", t -> json("/api/photos/uploads", Map.of("contentType", "image/png", "bytes", 100)),
                expect(201, 201, 401, 401, 403, 403)));
        rows.add(new Row("POST /api/photos/uploads/{id}/confirm", "alice's uploaded ticket",
                t -> new Call("/api/photos/uploads/" + uploadedTicket(t) + "/confirm", null, null, ANY), expect(202, 404, 401, 401, 403, 403)));

        // Reads: public things to all; alice's unpublished photos to alice alone (her cookie reads as her, whatever the Origin).
        rows.add(new Row("GET /api/users/{handle}", "", t -> new Call("/api/users/alice", null, null, ANY), expect(200, 200, 200, 200, 200, 200)));
        rows.add(new Row("GET /api/users/{handle}/posts", "", t -> new Call("/api/users/alice/posts", null, null, ANY),
                expect(200, 200, 200, 200, 200, 200)));
        rows.add(new Row("GET /api/users/{handle}/photos", "", t -> {
            String unpublished = upload(t);
            String shown = published(t);
            return new Call("/api/users/alice/photos?limit=100", null, null, (caller, reply) -> {
                List<String> ids = new ArrayList<>();
                reply.json().get("items").forEach(item -> ids.add(item.get("id").asText()));
                assertThat(ids).contains(shown);
                if (seesAsAlice(caller)) {
                    assertThat(ids).contains(unpublished);
                } else {
                    assertThat(ids).as("alice's unpublished photo, listed to %s", caller).doesNotContain(unpublished);
                }
            });
        }, expect(200, 200, 200, 200, 200, 200)));
        rows.add(new Row("GET /api/posts", "", t -> new Call("/api/posts", null, null, ANY), expect(200, 200, 200, 200, 200, 200)));
        rows.add(new Row("GET /api/posts/{id}", "", t -> new Call("/api/posts/" + post(t), null, null, ANY), expect(200, 200, 200, 200, 200, 200)));
        rows.add(new Row("GET /api/photos/{id}", "unpublished", t -> new Call("/api/photos/" + upload(t), null, null, ANY),
                expect(200, 404, 404, 404, 200, 200)));
        rows.add(new Row("GET /api/photos/{id}", "published in a post", t -> new Call("/api/photos/" + published(t), null, null, ANY),
                expect(200, 200, 200, 200, 200, 200)));
        return rows;
    }

    @Test
    void everyDescribedEndpointHasARow() {
        Set<String> covered = new java.util.TreeSet<>(table().stream().map(Row::endpoint).toList());
        List<String> described = ApiDescription.bundled().endpoints().stream().map(Object::toString).toList();
        assertThat(covered).containsExactlyInAnyOrderElementsOf(described);
    }

    @TestFactory
    Stream<DynamicTest> everyCallerGetsWhatTheTableSaysAndRefusalsChangeNothing() {
        return table().stream().flatMap(row -> row.expected().entrySet().stream().map(expectation -> DynamicTest.dynamicTest(
                row.endpoint() + (row.variant().isEmpty() ? "" : " (" + row.variant() + ")") + " as " + expectation.getKey()
                        + " → " + expectation.getValue(),
                () -> check(row, expectation.getKey(), expectation.getValue()))));
    }

    private static void check(Row row, Caller caller, int expected) {
        target.replenish();
        Call call = row.setUp().apply(target);
        FuzzTarget.State before = target.snapshot();
        Api.Reply reply = send(row.endpoint().substring(0, row.endpoint().indexOf(' ')), call, caller);
        assertThat(reply.status()).as("%s as %s: %s", row.endpoint(), caller, reply.body()).isEqualTo(expected);
        if (reply.status() >= 400) {
            assertThat(target.snapshot()).as("stored state after a refused %s as %s", row.endpoint(), caller).isEqualTo(before);
            assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        }
        call.check().verify(caller, reply);
    }

    private static boolean seesAsAlice(Caller caller) {
        return caller == Caller.OWNER || caller == Caller.OWNER_COOKIE_FOREIGN_ORIGIN || caller == Caller.OWNER_COOKIE_NO_ORIGIN;
    }

    private static Api.Reply send(String method, Call call, Caller caller) {
        HttpRequest.BodyPublisher body = call.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(call.body());
        HttpRequest.Builder request = target.api().request(call.path()).method(method, body);
        if (call.contentType() != null) {
            request.header("Content-Type", call.contentType());
        }
        String self = "http://127.0.0.1:" + target.port();
        switch (caller) {
            case OWNER -> request.header("Authorization", "Bearer " + target.token("alice"));
            case OTHER -> request.header("Authorization", "Bearer " + target.token("bob"));
            case ANONYMOUS -> { }
            case BAD_TOKEN -> request.header("Authorization", "Bearer " + target.token("alice").replace(target.token("alice").charAt(0), 'Z') + "x");
            case OWNER_COOKIE_FOREIGN_ORIGIN -> request.header("Cookie", "ladder_session=" + target.token("alice")).header("Origin", "https://evil.example");
            case OWNER_COOKIE_NO_ORIGIN -> request.header("Cookie", "ladder_session=" + target.token("alice"));
        }
        if (caller != Caller.OWNER_COOKIE_FOREIGN_ORIGIN && caller != Caller.OWNER_COOKIE_NO_ORIGIN && !"GET".equals(method)) {
            request.header("Origin", self); // a browser would send it; bearer callers are not judged by it
        }
        return target.api().send(request);
    }

    private static Call json(String path, Map<String, ?> body) {
        return new Call(path, "application/json", Api.json(body).getBytes(StandardCharsets.UTF_8), ANY);
    }

    private static String alice() {
        return target.token("alice");
    }

    private static String post(FuzzTarget t) {
        return created(t.api().post("/api/posts", Api.json(Map.of("body", "alice " + FRESH.incrementAndGet())), Api.bearer(alice())), 201);
    }

    private static String upload(FuzzTarget t) {
        return created(t.api().sendBytes("POST", "/api/photos", SyntheticPhoto.png(16, 12, FRESH.incrementAndGet()), "image/png",
                Api.bearer(alice())), 202);
    }

    private static String published(FuzzTarget t) {
        String photo = upload(t);
        created(t.api().post("/api/posts", Api.json(Map.of("body", "with a photo", "photoIds", List.of(photo))), Api.bearer(alice())), 201);
        return photo;
    }

    private static String uploadedTicket(FuzzTarget t) {
        byte[] photo = SyntheticPhoto.png(20, 10, FRESH.incrementAndGet());
        Api.Reply ticket = t.api().post("/api/photos/uploads", Api.json(Map.of("contentType", "image/png", "bytes", photo.length)),
                Api.bearer(alice()));
        String id = created(ticket, 201);
        JsonNode headers = ticket.json().get("headers");
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(ticket.text("uploadUrl"))).PUT(HttpRequest.BodyPublishers.ofByteArray(photo));
        headers.properties().forEach(header -> {
            if (!header.getKey().equalsIgnoreCase("content-length") && !header.getKey().equalsIgnoreCase("host")) {
                put.header(header.getKey(), header.getValue().asText());
            }
        });
        assertThat(t.api().send(put).status()).isEqualTo(200);
        return id;
    }

    private static String created(Api.Reply reply, int status) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        return reply.text("id");
    }
}
