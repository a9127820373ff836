package dev.ladder.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Sends generated requests to a {@link FuzzTarget} one at a time and checks every answer:
 * no 5xx, no answerless close, no stack trace or internal name, an error in problem+json, no
 * injected header, and — for every refused (4xx) request — nothing stored changed (the
 * target's snapshot before and after are equal). Counts everything per endpoint.
 */
public final class FuzzRunner implements AutoCloseable {
    /** What an answer must never contain: internals of the JVM, the frameworks, the database, the file system. */
    private static final List<Pattern> LEAKS = List.of(
            Pattern.compile("\\bjava\\.(lang|io|util|net|sql|nio)"), Pattern.compile("\\bjavax?\\.[a-z]+\\.[A-Za-z]"),
            Pattern.compile("jakarta\\.[a-z]+\\."), Pattern.compile("org\\.(eclipse|glassfish|h2|jdbi|flywaydb|slf4j|hibernate)"),
            Pattern.compile("com\\.(fasterxml|zaxxer|mysql|password4j|github)"), Pattern.compile("dev\\.ladder"),
            Pattern.compile("[A-Za-z]+(Exception|Error)\\b"), Pattern.compile("\\bSQL\\b|SQLState|JDBC|jdbc:"),
            Pattern.compile("Caused by|\\tat |\\.java:\\d+|\\$Proxy|lambda\\$"),
            Pattern.compile("/(tmp|root|home|work|usr|var|proc|etc)/"), Pattern.compile("\\bH2\\b|Hikari|Jersey|Jetty|Jackson"));

    /** The counted outcome of a run. */
    public static final class Tally {
        public final Map<String, Map<String, Long>> byEndpoint = new TreeMap<>();
        public final Map<String, Long> byStrategy = new TreeMap<>();
        public final Map<String, Long> failuresByKind = new TreeMap<>();
        public final List<String> failures = new ArrayList<>();
        public long requests;
        public long fiveXx;
        public long closedWithoutAnswer;
        public long stateChangesOnRefusal;
        public long leaks;
        public long notProblemJson;
        public long injectedHeaders;
        public long refused;

        public long failureCount() {
            return fiveXx + closedWithoutAnswer + stateChangesOnRefusal + leaks + notProblemJson + injectedHeaders;
        }

        void count(String endpoint, String outcome) {
            byEndpoint.computeIfAbsent(endpoint, key -> new TreeMap<>()).merge(outcome, 1L, Long::sum);
        }

        public String report() {
            StringBuilder out = new StringBuilder();
            out.append(String.format("requests: %d%n", requests));
            out.append(String.format("%-40s %8s  %s%n", "endpoint", "requests", "statuses"));
            for (var endpoint : byEndpoint.entrySet()) {
                long total = endpoint.getValue().values().stream().mapToLong(Long::longValue).sum();
                out.append(String.format("%-40s %8d  %s%n", endpoint.getKey(), total, endpoint.getValue()));
            }
            out.append("by strategy: ").append(byStrategy).append('\n');
            out.append(String.format("5xx: %d; closed without an answer: %d; refused (4xx): %d, of which changed stored state: %d;%n"
                            + "answers leaking internals: %d; errors not in problem+json: %d; injected headers: %d%n",
                    fiveXx, closedWithoutAnswer, refused, stateChangesOnRefusal, leaks, notProblemJson, injectedHeaders));
            if (!failures.isEmpty()) {
                out.append("first failures:\n");
                failures.forEach(failure -> out.append("  ").append(failure).append('\n'));
            }
            return out.toString();
        }
    }

    private final FuzzTarget target;
    private final RawHttp http;
    private final Tally tally = new Tally();
    private final Map<String, Boolean> failureKinds = new LinkedHashMap<>();
    private FuzzTarget.State state;

    public FuzzRunner(FuzzTarget target) {
        this.target = target;
        this.http = new RawHttp(target.host(), target.port());
        this.state = target.snapshot();
    }

    public Tally tally() {
        return tally;
    }

    /** Sends one request and checks its answer; returns the problems found (empty: all well). */
    public List<String> run(FuzzRequest request) {
        byte[] wire = request.render(target);
        String endpoint = request.endpoint().toString();
        List<String> problems = new ArrayList<>();
        RawHttp.Response response;
        try {
            response = http.exchange(wire, request.method().equals("HEAD"));
        } catch (IOException e) {
            http.close();
            response = new RawHttp.Response(-1, List.of(), new byte[0]);
            problems.add("no answer: " + e.getMessage());
        }
        tally.requests++;
        tally.byStrategy.merge(request.strategy().split("\\+")[0], 1L, Long::sum);
        int status = response.status();
        tally.count(endpoint, status < 0 ? "closed" : Integer.toString(status));

        FuzzTarget.State after = target.snapshot();
        // The one documented 5xx of a healthy node: direct uploads need S3, and this node stores objects on its disk.
        boolean expected501 = status == 501 && response.bodyText().contains("/problems/direct-upload-unavailable");
        if (status >= 500 && !expected501) {
            tally.fiveXx++;
            problems.add("5xx");
        }
        if (status < 0) {
            tally.closedWithoutAnswer++;
            if (problems.isEmpty()) {
                problems.add("closed without an answer");
            }
        }
        if (status >= 400 && status < 500) {
            tally.refused++;
            if (!after.equals(state)) {
                tally.stateChangesOnRefusal++;
                problems.add("refused, yet stored state changed: " + difference(state, after));
            }
        }
        if (status >= 400) {
            String type = response.header("Content-Type");
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/problem+json")) {
                tally.notProblemJson++;
                problems.add("error not in problem+json: " + type);
            }
        }
        String leak = leak(response, wire);
        if (leak != null) {
            tally.leaks++;
            problems.add("leaks " + leak);
        }
        for (String[] header : response.headers()) {
            if (header[0].equalsIgnoreCase("X-Fuzz-Injected") || header[0].equalsIgnoreCase("Set-Cookie") && header[1].contains("Injected")) {
                tally.injectedHeaders++;
                problems.add("injected header " + header[0]);
            }
        }
        if (status >= 200 && status < 300 && !"GET".equals(request.method()) && !"HEAD".equals(request.method())) {
            target.replenish(); // an allowed change may have ended a seeded session or deleted a seeded post or photo
            after = target.snapshot();
        }
        state = after;
        if (!problems.isEmpty()) {
            String kind = endpoint + " " + (status < 0 ? "closed" : status) + " " + problems.getFirst().replaceAll(":.*", "");
            tally.failuresByKind.merge(kind, 1L, Long::sum);
            if (failureKinds.putIfAbsent(kind, true) == null && tally.failures.size() < 40) {
                tally.failures.add(kind + " — " + problems + "\n      request: " + request.describe(target)
                        + "\n      answer: " + abbreviate(response.everything()));
            }
        }
        return problems;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * An internal name in the answer that the request did not bring. What users wrote (post
     * bodies, stored by earlier requests and served back in 2xx answers) is content, not a leak:
     * it is left out of the search; everything else — headers, errors, ids, links — is searched.
     */
    private static String leak(RawHttp.Response response, byte[] wire) {
        String answer = response.status() >= 200 && response.status() < 300 ? withoutUserContent(response) : response.everything();
        String sent = new String(wire, StandardCharsets.UTF_8);
        for (Pattern pattern : LEAKS) {
            var matcher = pattern.matcher(answer);
            while (matcher.find()) {
                if (!sent.contains(matcher.group())) { // echoing the caller's own input back is not a leak
                    return "\"" + matcher.group() + "\"";
                }
            }
        }
        return null;
    }

    private static String withoutUserContent(RawHttp.Response response) {
        String head = new RawHttp.Response(response.status(), response.headers(), new byte[0]).everything();
        try {
            com.fasterxml.jackson.databind.JsonNode tree = JSON.readTree(response.body());
            if (tree != null) {
                tree.findParents("body").forEach(parent -> ((com.fasterxml.jackson.databind.node.ObjectNode) parent).remove("body"));
                return head + tree;
            }
        } catch (java.io.IOException e) {
            // not JSON: searched whole
        }
        return response.everything();
    }

    private static String difference(FuzzTarget.State before, FuzzTarget.State after) {
        Map<String, String> changed = new TreeMap<>();
        before.tables().forEach((table, value) -> {
            if (!value.equals(after.tables().get(table))) {
                changed.put(table, value + " -> " + after.tables().get(table));
            }
        });
        if (!before.objects().equals(after.objects())) {
            changed.put("objects", before.objects().size() + " -> " + after.objects().size());
        }
        return changed.toString();
    }

    private static String abbreviate(String text) {
        String flat = text.replace("\r", "\\r").replace("\n", "\\n ");
        return flat.length() > 500 ? flat.substring(0, 500) + "…" : flat;
    }

    @Override
    public void close() {
        http.close();
    }
}
