package dev.ladder.api;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.assertProblem;
import static dev.ladder.testing.ApiAssertions.uniqueHandle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.ApiTarget;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP API's specification, run against a real node: once on the embedded profile (H2), once
 * on single-box (a private MariaDB), and once on the users-plus-2 cluster through its TLS load
 * balancer (ApiContractClusterIT). Subclasses only say what to run against.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ApiContract {
    protected ApiTarget target;
    protected Api api;

    protected abstract ApiTarget startTarget() throws Exception;

    @BeforeAll
    void startNode() throws Exception {
        target = startTarget();
        api = target.api();
    }

    @AfterAll
    void stopNode() throws Exception {
        if (target != null) {
            target.stop().close();
        }
    }

    String origin() {
        String base = target.baseUri().toString();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** A read after an acknowledged write: at once on one node, within staleReadsFor across several. */
    void eventually(Runnable assertion) {
        if (target.staleReadsFor().isZero()) {
            assertion.run();
            return;
        }
        Awaitility.await().atMost(target.staleReadsFor().plusSeconds(5)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(assertion::run);
    }

    Reply createPost(String token, String body) {
        return api.post("/api/posts", json(Map.of("body", body)), bearer(token));
    }

    int countPosts(String handle) {
        int count = 0;
        String cursor = null;
        do {
            Reply page = api.get("/api/users/" + handle + "/posts?limit=100" + (cursor == null ? "" : "&before=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            count += page.json().get("items").size();
            cursor = page.text("next");
        } while (cursor != null);
        return count;
    }

    @Nested
    class SigningUp {
        @Test
        void createsTheUserAndAnswersWithItsView() {
            String handle = uniqueHandle("ann");
            Reply reply = api.post("/api/users", json(Map.of("handle", handle, "email", "ann@example.com", "password", "correct horse")));

            assertThat(reply.status()).isEqualTo(201);
            assertThat(reply.header("Location")).isEqualTo("/api/users/" + handle);
            JsonNode user = reply.json();
            assertThat(user.get("id").isTextual()).isTrue();
            assertThat(Long.parseLong(user.get("id").asText())).isPositive();
            assertThat(user.get("handle").asText()).isEqualTo(handle);
            assertThat(Instant.parse(user.get("createdAt").asText())).isBefore(Instant.now().plusSeconds(1));
            assertThat(user.has("password")).isFalse();
            assertThat(user.has("email")).isFalse();

            Reply fetched = api.get("/api/users/" + handle);
            assertThat(fetched.status()).isEqualTo(200);
            assertThat(fetched.json()).isEqualTo(user);
        }

        @Test
        void refusesATakenHandleWith409() {
            String handle = uniqueHandle("bob");
            assertThat(api.post("/api/users", json(Map.of("handle", handle, "email", "b@example.com", "password", "password123"))).status()).isEqualTo(201);

            assertProblem(api.post("/api/users", json(Map.of("handle", handle, "email", "other@example.com", "password", "password456"))),
                    409, "handle-taken");
        }

        @Test
        void refusesInvalidFieldsWith400AndCreatesNothing() {
            String good = uniqueHandle("ok");
            List<Map<String, Object>> bad = List.of(
                    Map.of("handle", "ab", "email", "x@example.com", "password", "password123"),
                    Map.of("handle", "Upper_" + good, "email", "x@example.com", "password", "password123"),
                    Map.of("handle", "a".repeat(31), "email", "x@example.com", "password", "password123"),
                    Map.of("handle", "has-dash", "email", "x@example.com", "password", "password123"),
                    Map.of("handle", good, "email", "not-an-email", "password", "password123"),
                    Map.of("handle", good, "email", "x@example.com", "password", "short"),
                    Map.of("handle", good, "email", "x@example.com", "password", "p".repeat(129)),
                    Map.of("handle", good, "email", "x@example.com"));
            for (Map<String, Object> fields : bad) {
                assertProblem(api.post("/api/users", json(fields)), 400, "validation");
            }
            assertThat(api.get("/api/users/" + good).status()).isEqualTo(404);
        }

        @Test
        void unknownUserIs404() {
            assertProblem(api.get("/api/users/" + uniqueHandle("ghost")), 404, "not-found");
            assertProblem(api.get("/api/users/NOT%20VALID"), 404, "not-found");
        }
    }

    @Nested
    class LoggingIn {
        @Test
        void givesATokenAndAnHttpOnlyLaxCookie() {
            String handle = uniqueHandle("carl");
            api.post("/api/users", json(Map.of("handle", handle, "email", "c@example.com", "password", "password123")));

            Reply reply = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")));

            assertThat(reply.status()).isEqualTo(201);
            assertThat(reply.text("token")).hasSizeGreaterThanOrEqualTo(40);
            assertThat(Instant.parse(reply.text("expiresAt"))).isAfter(Instant.now().plusSeconds(3600));
            String cookie = reply.setCookie("ladder_session");
            assertThat(cookie).startsWith("ladder_session=" + reply.text("token"))
                    .containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
            if (target.https()) {
                assertThat(cookie).containsIgnoringCase("Secure");
            } else {
                assertThat(cookie).doesNotContainIgnoringCase("Secure");
            }
        }

        @Test
        void believesXForwardedProtoOnlyFromATrustedProxy() {
            // No http.trustedProxies here: the header is the client's own claim. (NodeFrontTest: a trusted proxy.)
            // Behind the cluster's load balancer the request really is https: Secure is right there (above).
            assumeTrue(!target.https(), "the client's own X-Forwarded-Proto only matters on a node reached directly");
            String handle = uniqueHandle("dora");
            api.post("/api/users", json(Map.of("handle", handle, "email", "d@example.com", "password", "password123")));

            Reply reply = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")), "X-Forwarded-Proto", "https");

            assertThat(reply.setCookie("ladder_session")).doesNotContainIgnoringCase("Secure");
        }

        @Test
        void wrongPasswordAndUnknownHandleGetTheSame401() {
            String handle = uniqueHandle("eve");
            api.post("/api/users", json(Map.of("handle", handle, "email", "e@example.com", "password", "password123")));

            Reply wrongPassword = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password124")));
            Reply unknownHandle = api.post("/api/sessions", json(Map.of("handle", uniqueHandle("nobody"), "password", "password123")));

            assertProblem(wrongPassword, 401, "bad-credentials");
            assertProblem(unknownHandle, 401, "bad-credentials");
            assertThat(wrongPassword.setCookie("ladder_session")).isNull();
            assertThat(withoutRequestId(wrongPassword.json())).isEqualTo(withoutRequestId(unknownHandle.json()));
        }

        @Test
        void loggingOutKillsTheTokenAtOnce() {
            String token = api.signUpAndLogIn(uniqueHandle("finn"));
            assertThat(createPost(token, "before logout").status()).isEqualTo(201);

            Reply logout = api.delete("/api/sessions/current", bearer(token));

            assertThat(logout.status()).isEqualTo(204);
            assertThat(logout.setCookie("ladder_session")).contains("Max-Age=0");
            assertProblem(createPost(token, "after logout"), 401, "unauthorized");
            assertProblem(api.delete("/api/sessions/current", bearer(token)), 401, "unauthorized");
        }

        @Test
        void loggingOutEverywhereKillsEveryTokenOfTheCallerAtOnceAndNoOneElses() {
            String handle = uniqueHandle("gail");
            String phone = api.signUpAndLogIn(handle);
            String laptop = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123"))).text("token");
            String someoneElse = api.signUpAndLogIn(uniqueHandle("hal"));

            Reply everywhere = api.delete("/api/sessions", bearer(laptop));

            assertThat(everywhere.status()).isEqualTo(204);
            assertThat(everywhere.setCookie("ladder_session")).contains("Max-Age=0");
            assertProblem(createPost(phone, "after logging out everywhere"), 401, "unauthorized");
            assertProblem(createPost(laptop, "after logging out everywhere"), 401, "unauthorized");
            assertThat(createPost(someoneElse, "still logged in").status()).isEqualTo(201);
            assertProblem(api.delete("/api/sessions"), 401, "unauthorized");
        }

        @Test
        void loggingOutWithoutASessionIs401() {
            assertProblem(api.delete("/api/sessions/current"), 401, "unauthorized");
            assertProblem(api.delete("/api/sessions/current", bearer("made-up-token")), 401, "unauthorized");
        }

        private JsonNode withoutRequestId(JsonNode problem) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) problem).remove("requestId");
            return problem;
        }
    }

    @Nested
    class CookieAuthentication {
        private String loginCookie(String handle) {
            api.post("/api/users", json(Map.of("handle", handle, "email", "g@example.com", "password", "password123")));
            Reply reply = api.post("/api/sessions", json(Map.of("handle", handle, "password", "password123")));
            return reply.setCookie("ladder_session").split(";", 2)[0];
        }

        @Test
        void aSameOriginChangeWithTheCookieWorks() {
            String handle = uniqueHandle("gus");
            String cookie = loginCookie(handle);

            Reply viaOrigin = api.post("/api/posts", json(Map.of("body", "by cookie")), "Cookie", cookie, "Origin", origin());
            Reply viaReferer = api.post("/api/posts", json(Map.of("body", "by cookie")), "Cookie", cookie, "Referer", origin() + "/#/");

            assertThat(viaOrigin.status()).isEqualTo(201);
            assertThat(viaOrigin.text("author")).isEqualTo(handle);
            assertThat(viaReferer.status()).isEqualTo(201);
        }

        @Test
        void aCookieChangeWithoutOriginOrFromAnotherSiteIsRefusedAndWritesNothing() {
            String handle = uniqueHandle("hal");
            String cookie = loginCookie(handle);

            assertProblem(api.post("/api/posts", json(Map.of("body", "forged")), "Cookie", cookie), 403, "forbidden");
            assertProblem(api.post("/api/posts", json(Map.of("body", "forged")), "Cookie", cookie, "Origin", "https://evil.example"), 403, "forbidden");
            assertProblem(api.post("/api/posts", json(Map.of("body", "forged")), "Cookie", cookie, "Referer", "https://evil.example/page"), 403, "forbidden");

            assertThat(countPosts(handle)).isZero();
        }

        @Test
        void aForeignOriginIsRefusedEvenWithABearerToken() {
            String token = api.signUpAndLogIn(uniqueHandle("ivy"));

            assertProblem(api.post("/api/posts", json(Map.of("body", "x")), "Authorization", "Bearer " + token, "Origin", "https://evil.example"), 403, "forbidden");
        }
    }

    @Nested
    class WritingPosts {
        @Test
        void createsAPostWithLocationAndView() {
            String handle = uniqueHandle("jo");
            String token = api.signUpAndLogIn(handle);

            Reply reply = createPost(token, "hello, ladder ✓");

            assertThat(reply.status()).isEqualTo(201);
            JsonNode post = reply.json();
            assertThat(reply.header("Location")).isEqualTo("/api/posts/" + post.get("id").asText());
            assertThat(post.get("author").asText()).isEqualTo(handle);
            assertThat(post.get("body").asText()).isEqualTo("hello, ladder ✓");
            assertThat(post.get("createdAt").asText()).isEqualTo(post.get("updatedAt").asText());
        }

        @Test
        void acceptsExactly1024BytesOfUtf8AndRefuses1025() {
            String token = api.signUpAndLogIn(uniqueHandle("kim"));
            String exactly1024 = "é".repeat(512); // two bytes each
            String over = "é".repeat(512) + "x";

            assertThat(createPost(token, exactly1024).status()).isEqualTo(201);
            assertProblem(createPost(token, over), 400, "validation");
            assertProblem(createPost(token, "😀".repeat(256) + "a"), 400, "validation"); // 4 bytes each: 1025
        }

        @Test
        void refusesEveryMalformedBodyWith4xxAndWritesNothing() {
            String handle = uniqueHandle("lee");
            String token = api.signUpAndLogIn(handle);
            String auth = "Bearer " + token;

            assertProblem(createPost(token, ""), 400, "validation");
            assertProblem(api.post("/api/posts", "{}", "Authorization", auth), 400, "validation");
            assertProblem(api.post("/api/posts", "{\"body\": 123}", "Authorization", auth), 400, "invalid-json");
            assertProblem(api.post("/api/posts", "{\"body\": \"x\", \"extra\": 1}", "Authorization", auth), 400, "invalid-json");
            assertProblem(api.post("/api/posts", "{\"body\": \"x\"", "Authorization", auth), 400, "malformed-json");
            assertProblem(api.post("/api/posts", "not json", "Authorization", auth), 400, "malformed-json");
            assertProblem(api.post("/api/posts", "{\"body\": \"x\"} trailing", "Authorization", auth), 400, "malformed-json");
            assertProblem(api.post("/api/posts", "[]", "Authorization", auth), 400, "invalid-json");
            assertProblem(api.post("/api/posts", "", "Authorization", auth), 400, "validation");
            assertProblem(api.send(api.request("/api/posts")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'{', '"', 'b', 'o', 'd', 'y', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}))
                    .header("Content-Type", "application/json").header("Authorization", auth)), 400, "malformed-json");
            assertProblem(api.send(api.request("/api/posts")
                    .POST(HttpRequest.BodyPublishers.ofString("body=x"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", auth)), 415, "unsupported-media-type");

            assertThat(countPosts(handle)).isZero();
        }

        @Test
        void refusesBodiesOver64KbWith413EvenWhenChunked() {
            String handle = uniqueHandle("max");
            String token = api.signUpAndLogIn(handle);
            String huge = json(Map.of("body", "x".repeat(70_000)));

            assertProblem(createPost(token, "x".repeat(70_000)), 413, "too-large");
            byte[] bytes = huge.getBytes(StandardCharsets.UTF_8);
            Reply chunked = api.send(api.request("/api/posts")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token));
            assertProblem(chunked, 413, "too-large");

            assertThat(countPosts(handle)).isZero();
        }

        @Test
        void needsAuthentication() {
            assertProblem(api.post("/api/posts", json(Map.of("body", "anonymous"))), 401, "unauthorized");
            assertProblem(api.post("/api/posts", json(Map.of("body", "anonymous")), bearer("not-a-real-token")), 401, "unauthorized");
        }
    }

    @Nested
    class ReadingAndChangingAPost {
        @Test
        void getsAPostWithETagAndCacheControlAndHonoursIfNoneMatch() {
            String token = api.signUpAndLogIn(uniqueHandle("ned"));
            String id = createPost(token, "cache me").text("id");

            Reply reply = api.get("/api/posts/" + id);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text("body")).isEqualTo("cache me");
            String etag = reply.header("ETag");
            assertThat(etag).isNotBlank();
            assertThat(reply.header("Cache-Control")).contains("max-age=");

            Reply revalidated = api.get("/api/posts/" + id, "If-None-Match", etag);
            assertThat(revalidated.status()).isEqualTo(304);
            assertThat(revalidated.body()).isEmpty();
            assertThat(api.get("/api/posts/" + id, "If-None-Match", "\"v999\"").status()).isEqualTo(200);
        }

        @Test
        void unknownOrMalformedIdsAre404() {
            assertProblem(api.get("/api/posts/1234567"), 404, "not-found");
            assertProblem(api.get("/api/posts/abc"), 404, "not-found");
            assertProblem(api.get("/api/posts/-5"), 404, "not-found");
            assertProblem(api.get("/api/posts/99999999999999999999999"), 404, "not-found");
        }

        @Test
        void concurrentEditsWithoutIfMatchAllApplyNoneGets412() throws Exception {
            String token = api.signUpAndLogIn(uniqueHandle("race"));
            String id = createPost(token, "edit 0").text("id");
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Integer>> edits = new java.util.ArrayList<>();
                for (int i = 1; i <= 12; i++) {
                    String body = "edit " + i;
                    edits.add(threads.submit(() -> api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", body)), bearer(token)).status()));
                }
                for (java.util.concurrent.Future<Integer> edit : edits) {
                    // Last writer wins: an edit that names no version is never refused as stale.
                    assertThat(edit.get()).isEqualTo(200);
                }
            } finally {
                threads.shutdown();
            }
        }

        @Test
        void theOwnerEditsWithIfMatchAndAStaleTagGets412() {
            String token = api.signUpAndLogIn(uniqueHandle("ola"));
            Reply created = createPost(token, "first");
            String id = created.text("id");
            String firstTag = created.header("ETag");

            Reply edited = api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "second")), "Authorization", "Bearer " + token, "If-Match", firstTag);
            assertThat(edited.status()).isEqualTo(200);
            assertThat(edited.text("body")).isEqualTo("second");
            assertThat(edited.header("ETag")).isNotEqualTo(firstTag);

            assertProblem(api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "third")), "Authorization", "Bearer " + token, "If-Match", firstTag),
                    412, "version-mismatch");
            assertThat(api.get("/api/posts/" + id).text("body")).isEqualTo("second");

            Reply unconditional = api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "fourth")), bearer(token));
            assertThat(unconditional.status()).isEqualTo(200);
            eventually(() -> assertThat(api.get("/api/posts/" + id).text("body")).isEqualTo("fourth"));
        }

        @Test
        void othersCannotEditOrDeleteAndNothingChanges() {
            String owner = api.signUpAndLogIn(uniqueHandle("pam"));
            String other = api.signUpAndLogIn(uniqueHandle("quin"));
            String id = createPost(owner, "mine").text("id");

            assertProblem(api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "yours now")), bearer(other)), 403, "forbidden");
            assertProblem(api.delete("/api/posts/" + id, bearer(other)), 403, "forbidden");
            assertProblem(api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "anon"))), 401, "unauthorized");
            assertProblem(api.sendJson("PUT", "/api/posts/" + id, json(Map.of("body", "x".repeat(1025))), bearer(owner)), 400, "validation");
            assertProblem(api.sendJson("PUT", "/api/posts/1234", json(Map.of("body", "x")), bearer(owner)), 404, "not-found");

            assertThat(api.get("/api/posts/" + id).text("body")).isEqualTo("mine");
        }

        @Test
        void theOwnerDeletesAndThePostIsGone() {
            String token = api.signUpAndLogIn(uniqueHandle("rex"));
            String id = createPost(token, "short-lived").text("id");

            assertThat(api.delete("/api/posts/" + id, bearer(token)).status()).isEqualTo(204);

            assertProblem(api.get("/api/posts/" + id), 404, "not-found");
            assertProblem(api.delete("/api/posts/" + id, bearer(token)), 404, "not-found");
        }
    }

    @Nested
    class Timelines {
        @Test
        void pagesThroughAUsersPostsNewestFirstWithoutGapsOrRepeats() {
            String handle = uniqueHandle("sam");
            String token = api.signUpAndLogIn(handle);
            String otherToken = api.signUpAndLogIn(uniqueHandle("tia"));
            List<String> written = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                written.add(createPost(token, "post " + i).text("id"));
                createPost(otherToken, "noise " + i);
            }

            List<String> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                Reply page = api.get("/api/users/" + handle + "/posts?limit=10" + (cursor == null ? "" : "&before=" + cursor));
                assertThat(page.status()).isEqualTo(200);
                for (JsonNode item : page.json().get("items")) {
                    assertThat(item.get("author").asText()).isEqualTo(handle);
                    seen.add(item.get("id").asText());
                }
                cursor = page.text("next");
                pages++;
            } while (cursor != null);

            assertThat(pages).isEqualTo(3);
            assertThat(seen).isEqualTo(written.reversed());
        }

        @Test
        void theGlobalTimelineShowsEveryonesRecentPostsNewestFirst() {
            String a = api.signUpAndLogIn(uniqueHandle("uma"));
            String b = api.signUpAndLogIn(uniqueHandle("vic"));
            String first = createPost(a, "from a").text("id");
            String second = createPost(b, "from b").text("id");

            Reply page = api.get("/api/posts?limit=2");

            assertThat(page.status()).isEqualTo(200);
            JsonNode items = page.json().get("items");
            assertThat(items).hasSize(2);
            assertThat(items.get(0).get("id").asText()).isEqualTo(second);
            assertThat(items.get(1).get("id").asText()).isEqualTo(first);
            assertThat(page.text("next")).isNotNull();
            assertThat(api.get("/api/posts").json().get("items").size()).isBetween(2, 20);
        }

        @Test
        void theLastPageHasNoNextCursor() {
            String handle = uniqueHandle("wes");
            String token = api.signUpAndLogIn(handle);
            createPost(token, "only one");

            Reply page = api.get("/api/users/" + handle + "/posts");

            assertThat(page.json().get("items")).hasSize(1);
            assertThat(page.json().get("next").isNull()).isTrue();
        }

        @Test
        void badLimitsAndCursorsAre400AndUnknownUsers404() {
            for (String query : List.of("limit=0", "limit=101", "limit=abc", "limit=-1", "before=garbage", "before=" + "A".repeat(100),
                    "before=cDEuLTE")) {
                assertProblem(api.get("/api/posts?" + query), 400, "validation");
            }
            assertProblem(api.get("/api/users/" + uniqueHandle("nope") + "/posts"), 404, "not-found");
        }
    }

    @Nested
    class Errors {
        @Test
        void unknownRoutesAndMethodsAnswerInProblemJson() {
            assertProblem(api.get("/api/nothing-here"), 404, "not-found");
            Reply wrongMethod = api.sendJson("PATCH", "/api/posts", "{}");
            assertProblem(wrongMethod, 405, "method-not-allowed");
            assertThat(wrongMethod.header("Allow")).contains("POST");
        }

        @Test
        void errorsJettyAnswersItselfAreProblemJsonToo() throws Exception {
            assertProblem(api.get("/no-such-page.html"), 404, "not-found");
            assumeTrue(target.plainHttp(), "a raw malformed request reaches Jetty only on the node's own port");
            try (java.net.Socket socket = new java.net.Socket(target.baseUri().getHost(), target.baseUri().getPort())) {
                socket.getOutputStream().write("GARBAGE / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json").doesNotContain("Exception");
            }
        }

        @Test
        void everyResponseCarriesARequestIdAndEchoesASaneOne() {
            assertThat(api.get("/api/posts").header("X-Request-Id")).isNotBlank();
            assertThat(api.get("/api/posts", "X-Request-Id", "trace-123").header("X-Request-Id")).isEqualTo("trace-123");
            assertThat(api.get("/api/posts", "X-Request-Id", "bad id with spaces").header("X-Request-Id")).isNotEqualTo("bad id with spaces");
        }
    }

    @Nested
    class WebPageAndAdmin {
        @Test
        void servesTheWebPageAtTheRoot() {
            Reply page = api.get("/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.header("Content-Type")).startsWith("text/html");
            assertThat(page.body()).contains("<html");
        }

        @Test
        void adminPortAnswersHealthAndMetrics() {
            assumeTrue(target.admin().isPresent(), "no admin port reachable (behind a load balancer it stays private)");
            Api admin = new Api(target.adminUri());
            String token = api.signUpAndLogIn(uniqueHandle("xen"));
            String id = createPost(token, "measured").text("id");
            api.get("/api/posts/" + id);

            assertThat(admin.get("/health/live").status()).isEqualTo(200);
            Reply ready = admin.get("/health/ready");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.text("database")).isEqualTo("up");
            Reply metrics = admin.get("/metrics");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("http_server_requests_seconds_count{")
                    .contains("uri=\"/api/posts/{id}\"")
                    .doesNotContain("uri=\"/api/posts/" + id + "\"")
                    .contains("hikaricp_connections")
                    .contains("jvm_memory_used_bytes")
                    .contains("jetty_connections");
        }

        @Test
        void theAdminPortDoesNotServeTheApiNorTheApiPortTheAdmin() {
            assertThat(api.get("/metrics").status()).isEqualTo(404);
            assumeTrue(target.admin().isPresent(), "no admin port reachable (behind a load balancer it stays private)");
            assertThat(new Api(target.adminUri()).get("/api/posts").status()).isEqualTo(404);
        }
    }

    @Test
    void idsAreDistinctUnderConcurrency() throws Exception {
        String token = api.signUpAndLogIn(uniqueHandle("yan"));
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                int n = i;
                futures.add(pool.submit(() -> ids.add(createPost(token, "concurrent " + n).text("id"))));
            }
            for (var future : futures) {
                future.get();
            }
        }
        assertThat(new HashSet<>(ids)).hasSize(80);
    }
}
