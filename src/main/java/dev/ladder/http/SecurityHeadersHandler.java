package dev.ladder.http;

import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Browser hardening on every response of the public connector (page, assets, API, errors): a
 * Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' (the page has no inline script
 * or style, and user content only ever reaches it as text), no framing (clickjacking), no type
 * sniffing, and no Referer sent to other origins (presigned photo URLs, a CDN).
 */
public final class SecurityHeadersHandler extends Handler.Wrapper {
    private final List<HttpField> fields;

    /** assetOrigins: where the page's JS and CSS may come from besides this site (a CDN); mediaOrigins: the same for images. */
    public SecurityHeadersHandler(List<String> assetOrigins, List<String> mediaOrigins, Handler handler) {
        super(handler);
        this.fields = List.of(
                new PreEncodedHttpField("Content-Security-Policy", contentSecurityPolicy(assetOrigins, mediaOrigins)),
                new PreEncodedHttpField("X-Content-Type-Options", "nosniff"),
                new PreEncodedHttpField("Referrer-Policy", "same-origin"),
                new PreEncodedHttpField("X-Frame-Options", "DENY"));
    }

    static String contentSecurityPolicy(List<String> assetOrigins, List<String> mediaOrigins) {
        String assets = sources("'self'", assetOrigins);
        return "default-src 'none'; script-src " + assets + "; style-src " + assets
                + "; img-src " + sources("'self' data: blob:", mediaOrigins) + " " + String.join(" ", assetOrigins)
                + "; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
                + "; frame-ancestors 'none'";
    }

    private static String sources(String own, List<String> others) {
        return others.isEmpty() ? own : own + " " + String.join(" ", others);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        for (HttpField field : fields) {
            response.getHeaders().put(field);
        }
        return super.handle(request, response, callback);
    }
}
