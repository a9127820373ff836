package dev.ladder.fuzz;

import dev.ladder.fuzz.ApiDescription.Endpoint;
import dev.ladder.fuzz.FuzzRequest.Caller;
import dev.ladder.photos.SyntheticPhoto;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Requests generated from the OpenAPI description: for every endpoint, its path parameters, query
 * parameters, headers and body, each either valid by the description's schema or broken in one
 * of the ways an attacker would try — wrong types, huge and deeply nested JSON, invalid UTF-8,
 * Unicode edge cases, CR/LF in headers, path traversal, SQL metacharacters, oversized headers.
 * Endpoints are chosen uniformly, so every one gets its share.
 */
public final class FuzzRequests {
    /** Strings an attacker tries in any text position. */
    static final List<String> NASTY = List.of(
            // path traversal
            "..", "../..", "../../../../etc/passwd", "..\\..\\..\\windows\\win.ini", "....//....//etc/passwd", "/etc/passwd",
            "file:///etc/passwd", "..;/", "a/../../b", "photos/../../db/ladder.mv.db", "static/../../../", "~root", ".",
            "./.hidden", "\\\\server\\share",
            // SQL and other injections
            "' OR '1'='1", "1' OR 1=1--", "1; DROP TABLE users;--", "\" OR \"\"=\"", "1 UNION SELECT handle, password_hash FROM users--",
            "admin'--", "1)) OR ((1=1", "' AND SLEEP(5)--", "%", "_", "\\", "'", "\"", ";", "--", "/*", "*/",
            "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "#{7*7}", "%s%s%s%s%n", "<script>alert(1)</script>", "javascript:alert(1)",
            "\u0000", "a\u0000b", "\r\nX-Fuzz-Injected: 1", "\nX-Fuzz-Injected: 1", "\r",
            // Unicode edge cases
            "\u202Eevil\u202C", "al\u200Bice", "\uFEFFalice", "\uFF41\uFF4C\uFF49\uFF43\uFF45", "al\u0131ce", "ALICE", "alice\u0301",
            "\uD83D\uDE00", "\u05D0\u05D1\u05D2", "\u0627\u0644\u0639\u0631\u0628\u064A\u0629", "\u2028\u2029", "\uFFFD", "\uFFFF",
            "e\u0301\u0301\u0301\u0301\u0301\u0301", "\u0000\u0001\u001F\u007F", "Z\u0351\u0360\u0361\u0489", "\u1680\u180E\u2000\u3000",
            // numbers and sizes
            "0", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999999", "1e3",
            "0x1F", "+1", " 1", "1.0", "NaN", "Infinity", "", " ", "null", "true", "[]", "{}",
            "a".repeat(31), "a".repeat(300), "9".repeat(400));

    /** Byte sequences that are not UTF-8: stray continuation, overlong '/', a UTF-16 surrogate (lone), beyond U+10FFFF, 0xFF. */
    static final List<byte[]> INVALID_UTF8 = List.of(
            new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xE2, (byte) 0x82});

    /** Already-encoded path segments that decode to traversal, NUL, CR/LF or broken UTF-8. */
    static final List<String> ENCODED_PATHS = List.of(
            "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2f", "%2e%2e/%2e%2e/", "%252e%252e%252f", "..%5c..%5c", "%2F",
            "%00", "1%00", "%0d%0aX-Fuzz-Injected:%201", "%C3%28", "%FF", "%C0%AF", "%ED%A0%80", "%E2%80%AE", "%", "%zz", "%2",
            "%u002e", "..%c0%af", ";jsessionid=1", "1;x=y", "1?", "1#frag", "%3f", "%23", "1/", "1//2", "1/..", "1/.", "./1");

    private static final String[] METHODS = {"PATCH", "TRACE", "OPTIONS", "HEAD", "CONNECT", "FOO", "get", "PROPFIND", "DELETE", "PUT"};

    private final List<Endpoint> endpoints;

    public FuzzRequests(ApiDescription description) {
        this.endpoints = description.endpoints();
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Every endpoint equally often; the rest of each request is drawn from jqwik's random source. */
    public Arbitrary<FuzzRequest> requests() {
        return Arbitraries.of(endpoints).flatMap(endpoint -> Arbitraries.randomValue(random -> build(endpoint, random)));
    }

    public FuzzRequest build(Endpoint endpoint, Random random) {
        List<String> strategies = new ArrayList<>();
        String method = endpoint.method();
        if (random.nextInt(40) == 0) {
            method = METHODS[random.nextInt(METHODS.length)];
            strategies.add("method");
        }
        Caller caller = caller(endpoint, random);

        Map<String, Object> path = new LinkedHashMap<>();
        for (String name : endpoint.pathParams()) {
            path.put(name, pathValue(name, endpoint, random, strategies));
        }

        byte[] query = query(endpoint, random, strategies);
        List<byte[]> headers = headers(endpoint, random, strategies);

        byte[] body = null;
        boolean chunked = false;
        if (endpoint.takesBody() || random.nextInt(20) == 0) {
            Body made = body(endpoint, random);
            body = made.bytes();
            strategies.add(made.strategy());
            if (made.contentType() != null) {
                headers.add(("Content-Type: " + made.contentType()).getBytes(StandardCharsets.UTF_8));
            }
            chunked = random.nextInt(8) == 0;
        }
        if (strategies.isEmpty()) {
            strategies.add("valid");
        }
        return new FuzzRequest(endpoint, method, String.join("+", strategies), caller, path, query, headers, body, chunked);
    }

    private static Caller caller(Endpoint endpoint, Random random) {
        Caller[] callers = Caller.values();
        // Mostly a real user for endpoints that need one, so that the checks behind authentication get exercised.
        if (endpoint.access() != ApiDescription.Access.PUBLIC && random.nextInt(3) != 0) {
            return random.nextBoolean() ? Caller.ALICE : Caller.BOB;
        }
        return callers[random.nextInt(callers.length)];
    }

    private static Object pathValue(String name, Endpoint endpoint, Random random, List<String> strategies) {
        int pick = random.nextInt(10);
        if (pick < 4) {
            if (name.equals("handle")) {
                return utf8(FuzzTarget.USERS.get(random.nextInt(FuzzTarget.USERS.size())));
            }
            if (endpoint.path().startsWith("/api/posts")) {
                return random.nextBoolean() ? FuzzTarget.Seed.ALICE_POST : FuzzTarget.Seed.BOB_POST;
            }
            if (endpoint.path().startsWith("/api/photos/{id}")) {
                FuzzTarget.Seed[] photos = {FuzzTarget.Seed.ALICE_PUBLISHED_PHOTO, FuzzTarget.Seed.ALICE_PRIVATE_PHOTO, FuzzTarget.Seed.BOB_PHOTO};
                return photos[random.nextInt(photos.length)];
            }
            return utf8(Long.toString(random.nextLong(1L << 40, Long.MAX_VALUE)));
        }
        strategies.add("path-" + name);
        return switch (pick) {
            case 4, 5 -> percentEncoded(NASTY.get(random.nextInt(NASTY.size())));
            case 6 -> utf8(NASTY.get(random.nextInt(NASTY.size()))); // raw: spaces, CR/LF and non-ASCII straight on the request line
            case 7 -> utf8(ENCODED_PATHS.get(random.nextInt(ENCODED_PATHS.size())));
            case 8 -> concat(utf8("a"), INVALID_UTF8.get(random.nextInt(INVALID_UTF8.size())));
            default -> utf8("9".repeat(1 + random.nextInt(random.nextBoolean() ? 40 : 9000)));
        };
    }

    private static byte[] query(Endpoint endpoint, Random random, List<String> strategies) {
        List<String> parts = new ArrayList<>();
        for (Parameter parameter : endpoint.queryParams()) {
            int pick = random.nextInt(6);
            if (pick == 0) {
                continue;
            }
            String value = switch (parameter.getName()) {
                case "limit" -> pick < 3 ? Integer.toString(1 + random.nextInt(100)) : nastyQueryValue(random);
                default -> pick < 3 ? "" : nastyQueryValue(random);
            };
            if (pick >= 3) {
                strategies.add("query-" + parameter.getName());
            }
            parts.add(parameter.getName() + "=" + value);
        }
        if (random.nextInt(15) == 0) {
            parts.add(random.nextBoolean() ? "limit=1&limit=100" : "unknown=" + nastyQueryValue(random));
            strategies.add("query-extra");
        }
        if (parts.isEmpty()) {
            return random.nextInt(30) == 0 ? new byte[0] : null;
        }
        return String.join("&", parts).getBytes(StandardCharsets.UTF_8);
    }

    private static String nastyQueryValue(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> new String(percentEncoded(NASTY.get(random.nextInt(NASTY.size()))), StandardCharsets.US_ASCII);
            case 1 -> ENCODED_PATHS.get(random.nextInt(ENCODED_PATHS.size()));
            case 2 -> Long.toString(random.nextLong());
            case 3 -> "A".repeat(random.nextInt(5000));
            default -> "eyJpZCI6MX0" + "=".repeat(random.nextInt(3)); // base64 of JSON: a forged cursor
        };
    }

    private static List<byte[]> headers(Endpoint endpoint, Random random, List<String> strategies) {
        List<byte[]> headers = new ArrayList<>();
        for (Parameter parameter : endpoint.headerParams()) {
            int pick = random.nextInt(5);
            if (pick < 2) {
                continue;
            }
            String name = parameter.getName();
            String value = switch (name) {
                case "Idempotency-Key" -> pick == 2 ? "key-" + Long.toHexString(random.nextLong()) : headerNasty(random);
                case "If-Match", "If-None-Match" -> pick == 2 ? List.of("\"v1\"", "W/\"v1\"", "*", "\"v2\"", "\"v1.00ff\"").get(random.nextInt(5))
                        : random.nextBoolean() ? "\"v" + "9".repeat(1 + random.nextInt(30)) + "\"" : headerNasty(random);
                default -> headerNasty(random);
            };
            if (pick > 2) {
                strategies.add("header-" + name);
            }
            headers.add(concat(utf8(name + ": "), headerBytes(value, random)));
        }
        switch (random.nextInt(24)) {
            case 0 -> {
                headers.add(concat(utf8("X-Request-Id: "), headerBytes(headerNasty(random), random)));
                strategies.add("header-request-id");
            }
            case 1 -> {
                headers.add(utf8("X-Request-Id: abc\rX-Fuzz-Injected: 1")); // a bare CR
                strategies.add("header-crlf");
            }
            case 2 -> {
                headers.add(utf8("X-Fuzz-Big: " + "a".repeat(List.of(8_000, 16_000, 70_000, 300_000).get(random.nextInt(4)))));
                strategies.add("header-oversized");
            }
            case 3 -> {
                for (int i = 0; i < 50 + random.nextInt(500); i++) {
                    headers.add(utf8("X-Fuzz-" + i + ": " + i));
                }
                strategies.add("header-many");
            }
            case 4 -> {
                headers.add(concat(utf8("Authorization: Bearer "), headerBytes(headerNasty(random), random)));
                strategies.add("header-authorization");
            }
            case 5 -> {
                headers.add(concat(utf8("Cookie: ladder_session="), headerBytes(headerNasty(random), random)));
                strategies.add("header-cookie");
            }
            case 6 -> {
                headers.add(utf8("Accept: " + List.of("text/html", "application/xml", "image/png", "*/*;q=0", "\u00e9\u00e9").get(random.nextInt(5))));
                strategies.add("header-accept");
            }
            case 7 -> {
                headers.add(concat(utf8("X-Forwarded-For: "), headerBytes(List.of("127.0.0.2", "::1", "not-an-ip", "1.2.3.4, 5.6.7.8", "").get(random.nextInt(5)), random)));
                strategies.add("header-forwarded");
            }
            case 8 -> {
                headers.add(utf8("Expect: " + (random.nextBoolean() ? "100-continue" : "teapot")));
                strategies.add("header-expect");
            }
            default -> { }
        }
        return headers;
    }

    private static String headerNasty(Random random) {
        return random.nextInt(4) == 0 ? "k".repeat(65 + random.nextInt(20_000)) : NASTY.get(random.nextInt(NASTY.size()));
    }

    /** Header values as UTF-8, or now and then with a raw invalid UTF-8 sequence. */
    private static byte[] headerBytes(String value, Random random) {
        return random.nextInt(6) == 0 ? concat(utf8(value), INVALID_UTF8.get(random.nextInt(INVALID_UTF8.size()))) : utf8(value);
    }

    record Body(String strategy, String contentType, byte[] bytes) {
    }

    private Body body(Endpoint endpoint, Random random) {
        if (endpoint.contentTypes().stream().anyMatch(type -> type.startsWith("image/"))) {
            return imageBody(random);
        }
        String type = contentType(random);
        if (!endpoint.takesJson()) {
            return new Body("unexpected-body", type, utf8("{\"x\":1}"));
        }
        Schema<?> schema = endpoint.body();
        Map<String, String> fields = validFields(schema, random);
        return switch (random.nextInt(16)) {
            case 0, 1 -> new Body("valid", type, object(fields));
            case 2 -> new Body("wrong-type", type, object(replaceOne(fields, random, List.of("123", "true", "[]", "{}", "null", "1.5", "-1",
                    "1e400", "\"x\"", "[null]", "[1,2]", "{\"a\":\"b\"}", "-0", "123456789012345678901234567890").get(random.nextInt(14)))));
            case 3 -> new Body("missing-field", type, object(dropOne(fields, random)));
            case 4 -> {
                Map<String, String> extra = new LinkedHashMap<>(fields);
                extra.put(random.nextBoolean() ? "admin" : "id", random.nextBoolean() ? "true" : "\"1\"");
                yield new Body("unknown-field", type, object(extra));
            }
            case 5 -> new Body("nasty-string", type, object(replaceOne(fields, random, jsonString(NASTY.get(random.nextInt(NASTY.size())))))); 
            case 6 -> new Body("json-escapes", type, object(replaceOne(fields, random, List.of("\"\\ud800\"", "\"\\udfff\\ud800\"", "\"a\\u0000b\"",
                    "\"\\u202e\\u200b\"", "\"\\ud83d\"", "\"\\uZZZZ\"", "\"\\x41\"", "\"\\\"", "\"tab\there\"").get(random.nextInt(9)))));
            case 7 -> new Body("huge-string", type, object(replaceOne(fields, random,
                    jsonString("x".repeat(List.of(1_025, 4_000, 60_000, 70_000, 200_000).get(random.nextInt(5)))))));
            case 8 -> {
                int depth = List.of(50, 999, 1_001, 5_000, 30_000).get(random.nextInt(5));
                String nested = random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
                yield new Body("deep-nesting", type, random.nextBoolean() ? object(replaceOne(fields, random, nested)) : utf8(nested));
            }
            case 9 -> new Body("invalid-utf8", type, concat(utf8("{\"" + firstField(fields) + "\":\"a"),
                    INVALID_UTF8.get(random.nextInt(INVALID_UTF8.size())), utf8("b\"}")));
            case 10 -> new Body("not-an-object", type, utf8(List.of("[]", "null", "\"text\"", "1", "", "true", "[{}]", " ", "\uFEFF{}").get(random.nextInt(9))));
            case 11 -> {
                String whole = new String(object(fields), StandardCharsets.UTF_8);
                yield new Body("malformed", type, utf8(List.of(whole.substring(0, whole.length() / 2), whole + "x", whole.replace("\"", "'"),
                        whole.replace("}", ",}"), "/*c*/" + whole, "{,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":NaN}", whole + whole,
                        "{\"" + firstField(fields) + "\":\"a\",\"" + firstField(fields) + "\":\"b\"}").get(random.nextInt(11))));
            }
            case 12 -> new Body("huge-number", type, object(replaceOne(fields, random, List.of("1e999999", "9".repeat(1_200), "-" + "9".repeat(5_000),
                    "0." + "1".repeat(2_000), "1" + "0".repeat(100)).get(random.nextInt(5)))));
            case 13 -> new Body("long-key", type, utf8("{\"" + "k".repeat(List.of(100, 60_000).get(random.nextInt(2))) + "\":1}"));
            case 14 -> new Body("random-bytes", type, randomBytes(random, random.nextInt(2_000)));
            default -> new Body("many-fields", type, utf8("{" + String.join(",", java.util.stream.IntStream.range(0, 3_000)
                    .mapToObj(i -> "\"f" + i + "\":" + i).toList()) + "}"));
        };
    }

    private static String contentType(Random random) {
        return switch (random.nextInt(14)) {
            case 0 -> null;
            case 1 -> "text/plain";
            case 2 -> "application/json; charset=utf-16";
            case 3 -> "application/xml";
            case 4 -> "image/png";
            case 5 -> "multipart/form-data; boundary=x";
            case 6 -> "application/json; charset=\u00e9";
            case 7 -> "application/x-www-form-urlencoded";
            default -> "application/json";
        };
    }

    private Body imageBody(Random random) {
        String type = List.of("image/png", "image/jpeg", "image/png", "image/jpeg", "image/gif", "application/json", "image/svg+xml", "")
                .get(random.nextInt(8));
        return switch (random.nextInt(10)) {
            case 0 -> new Body("valid-image", "image/png", SyntheticPhoto.png(8 + random.nextInt(16), 8 + random.nextInt(16), random.nextLong()));
            case 1 -> new Body("image-wrong-type", "image/jpeg", SyntheticPhoto.png(8, 8, random.nextLong()));
            case 2 -> new Body("image-header-only", "image/png", pngHeaderOnly(random.nextInt(100_000), random.nextInt(100_000)));
            case 3 -> new Body("image-truncated", type, java.util.Arrays.copyOf(SyntheticPhoto.png(32, 32, 1), 40 + random.nextInt(60)));
            case 4 -> new Body("image-magic-then-junk", type, concat(random.nextBoolean()
                    ? new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0}
                    : new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, randomBytes(random, random.nextInt(3_000))));
            case 5 -> new Body("image-empty", type, new byte[0]);
            case 6 -> new Body("image-json", type, utf8("{\"body\":\"x\"}"));
            case 7 -> new Body("image-svg", "image/png", utf8("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"));
            default -> new Body("random-bytes", type, randomBytes(random, random.nextInt(20_000)));
        };
    }

    /** A valid value for every property of the body schema, as JSON text. */
    private static Map<String, String> validFields(Schema<?> schema, Random random) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, Schema<?>> property : ApiDescription.properties(schema).entrySet()) {
            String name = property.getKey();
            Schema<?> type = property.getValue();
            String value = switch (name) {
                case "handle" -> jsonString(random.nextInt(4) == 0 ? FuzzTarget.USERS.get(random.nextInt(3)) : "f" + Long.toString(random.nextLong() >>> 1, 36));
                case "email" -> jsonString("fuzz" + random.nextInt(1_000_000) + "@example.com");
                case "password" -> jsonString(random.nextInt(4) == 0 ? "password123" : "pw-" + Long.toHexString(random.nextLong()));
                case "body" -> jsonString(text(random, 1 + random.nextInt(200)));
                case "photoIds" -> random.nextBoolean() ? "[]" : "[\"" + Long.toString(random.nextLong(1L << 40, Long.MAX_VALUE)) + "\"]";
                case "contentType" -> jsonString(random.nextBoolean() ? "image/png" : "image/jpeg");
                case "bytes" -> Integer.toString(1 + random.nextInt(10_485_760));
                default -> "string".equals(type.getType()) ? jsonString("x") : "1";
            };
            fields.put(name, value);
        }
        return fields;
    }

    private static String text(Random random, int length) {
        StringBuilder text = new StringBuilder();
        String alphabet = "abc xyz 0123 éß 漢字 \u05D0\u05D1 \uD83D\uDE00 \u200B\u202E";
        while (text.length() < length) {
            int at = random.nextInt(alphabet.length());
            char c = alphabet.charAt(at);
            if (Character.isHighSurrogate(c) && at + 1 < alphabet.length()) {
                text.append(c).append(alphabet.charAt(at + 1));
            } else if (!Character.isSurrogate(c)) {
                text.append(c);
            }
        }
        return text.toString();
    }

    private static Map<String, String> replaceOne(Map<String, String> fields, Random random, String value) {
        Map<String, String> changed = new LinkedHashMap<>(fields);
        if (changed.isEmpty()) {
            changed.put("x", value);
            return changed;
        }
        List<String> names = new ArrayList<>(changed.keySet());
        changed.put(names.get(random.nextInt(names.size())), value);
        return changed;
    }

    private static Map<String, String> dropOne(Map<String, String> fields, Random random) {
        Map<String, String> changed = new LinkedHashMap<>(fields);
        if (!changed.isEmpty()) {
            List<String> names = new ArrayList<>(changed.keySet());
            changed.remove(names.get(random.nextInt(names.size())));
        }
        return changed;
    }

    private static String firstField(Map<String, String> fields) {
        return fields.isEmpty() ? "x" : fields.keySet().iterator().next();
    }

    private static byte[] object(Map<String, String> fields) {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(jsonString(field.getKey())).append(':').append(field.getValue());
        }
        return utf8(json.append('}').toString());
    }

    /** A JSON string literal; unpaired surrogates go as \\u escapes (Jackson decodes them to lone surrogates). */
    static String jsonString(String value) {
        StringBuilder json = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c) && !(i + 1 < value.length() && Character.isSurrogatePair(c, value.charAt(i + 1))
                    || i > 0 && Character.isLowSurrogate(c) && Character.isSurrogatePair(value.charAt(i - 1), c))) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }

    static byte[] percentEncoded(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return utf8(out.toString());
    }

    private static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        out.writeBytes(java.nio.ByteBuffer.allocate(8).putInt(width).putInt(height).array());
        out.writeBytes(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] all = out.toByteArray();
        crc.update(all, 12, 17);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        out.writeBytes(new byte[] {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82});
        return out.toByteArray();
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
