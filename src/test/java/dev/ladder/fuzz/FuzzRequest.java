package dev.ladder.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One generated request, kept symbolic where it names live things (a caller, a seeded post) so
 * that it renders against the target's current tokens and ids when it is sent.
 *
 * @param strategy  the family of bad input it belongs to (valid, wrong-type, deep-nesting, …), for the report
 * @param path      per path parameter: a {@link FuzzTarget.Seed}, a handle, or wire bytes as they go on the request line
 * @param query     the query string's wire bytes (without "?"), or null for none
 * @param headers   extra header lines, wire bytes, without CRLF
 * @param body      the body's bytes, or null for none
 * @param chunked   send the body with Transfer-Encoding: chunked instead of Content-Length
 */
public record FuzzRequest(ApiDescription.Endpoint endpoint, String method, String strategy, Caller caller,
                          Map<String, Object> path, byte[] query, List<byte[]> headers, byte[] body, boolean chunked) {

    /** Who sends it. COOKIE_* use alice's session cookie with her own or a foreign Origin. */
    public enum Caller { ANONYMOUS, ALICE, BOB, CAROL, GARBAGE_TOKEN, COOKIE_SAME_ORIGIN, COOKIE_FOREIGN_ORIGIN }

    /** The request as it goes on the wire, against the target's current tokens and seeds. */
    public byte[] render(FuzzTarget target) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (body == null ? 0 : body.length));
        out.writeBytes(method.getBytes(StandardCharsets.ISO_8859_1));
        out.write(' ');
        out.writeBytes(pathBytes(target));
        if (query != null) {
            out.write('?');
            out.writeBytes(query);
        }
        line(out, " HTTP/1.1");
        line(out, "Host: " + target.host() + ":" + target.port());
        switch (caller) {
            case ANONYMOUS -> { }
            case ALICE, BOB, CAROL -> line(out, "Authorization: Bearer " + target.token(caller.name().toLowerCase()));
            case GARBAGE_TOKEN -> line(out, "Authorization: Bearer " + "not-a-token' OR '1'='1");
            case COOKIE_SAME_ORIGIN -> {
                line(out, "Cookie: ladder_session=" + target.token("alice"));
                line(out, "Origin: http://" + target.host() + ":" + target.port());
            }
            case COOKIE_FOREIGN_ORIGIN -> {
                line(out, "Cookie: ladder_session=" + target.token("alice"));
                line(out, "Origin: https://evil.example");
            }
        }
        for (byte[] header : headers) {
            out.writeBytes(header);
            out.write('\r');
            out.write('\n');
        }
        if (body != null) {
            if (chunked) {
                line(out, "Transfer-Encoding: chunked");
                line(out, "");
                if (body.length > 0) {
                    line(out, Integer.toHexString(body.length));
                    out.writeBytes(body);
                    line(out, "");
                }
                line(out, "0");
                line(out, "");
            } else {
                line(out, "Content-Length: " + body.length);
                line(out, "");
                out.writeBytes(body);
            }
        } else {
            line(out, "");
        }
        return out.toByteArray();
    }

    private byte[] pathBytes(FuzzTarget target) {
        String template = endpoint.path();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                out.writeBytes(template.substring(at).getBytes(StandardCharsets.US_ASCII));
                return out.toByteArray();
            }
            int close = template.indexOf('}', open);
            out.writeBytes(template.substring(at, open).getBytes(StandardCharsets.US_ASCII));
            Object value = path.get(template.substring(open + 1, close));
            byte[] bytes = switch (value) {
                case FuzzTarget.Seed seed -> target.seed(seed).getBytes(StandardCharsets.US_ASCII);
                case byte[] wire -> wire;
                default -> throw new IllegalStateException("path value " + value);
            };
            out.writeBytes(bytes);
            at = close + 1;
        }
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    /** Short and printable, for reports: the wire bytes of the head and the start of the body. */
    public String describe(FuzzTarget target) {
        byte[] wire = render(target);
        StringBuilder text = new StringBuilder("[" + strategy + ", " + caller + "] ");
        int shown = Math.min(wire.length, 600);
        for (int i = 0; i < shown; i++) {
            int b = wire[i] & 0xFF;
            if (b == '\r') {
                text.append("\\r");
            } else if (b == '\n') {
                text.append("\\n");
            } else if (b < 0x20 || b >= 0x7F) {
                text.append(String.format("\\x%02X", b));
            } else {
                text.append((char) b);
            }
        }
        if (wire.length > shown) {
            text.append("… (").append(wire.length).append(" bytes)");
        }
        return text.toString();
    }
}
