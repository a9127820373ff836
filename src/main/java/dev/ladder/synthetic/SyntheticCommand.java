package dev.ladder.synthetic;

import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.config.ConfigOptions;
import dev.ladder.config.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ladder synthetic --url URL}: the external check (see {@link SyntheticCheck}); exit 0 when
 * every step passed, 1 on the first failure, 2 on bad usage. Without --url it checks this
 * machine's node on the profile's http.port (the shared --profile/--config options).
 */
@Command(name = "synthetic", mixinStandardHelpOptions = true,
        description = "Sign up, log in, post, read it back and delete it through URL; one line per step; exit 1 on any failure.")
public final class SyntheticCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--url", description = "The site to check, e.g. https://www.ladder.example (default: http://127.0.0.1:<http.port>).")
    String url;

    @Option(names = "--ca-cert", description = "Trust the CA certificates in this PEM file for HTTPS (default: the JVM's trust store).")
    Path caCert;

    @Option(names = "--timeout", defaultValue = "10s", description = "Longest wait for each step (default: ${DEFAULT-VALUE}).")
    String timeout;

    private final Map<String, String> env;
    private final PrintStream out;

    public SyntheticCommand() {
        this(System.getenv(), System.out);
    }

    SyntheticCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        Duration stepTimeout;
        try {
            stepTimeout = Durations.parse(timeout);
        } catch (IllegalArgumentException e) {
            out.println("ladder synthetic: --timeout: " + e.getMessage());
            return 2;
        }
        if (stepTimeout.compareTo(Duration.ofMillis(100)) < 0 || stepTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
            out.println("ladder synthetic: --timeout must be between 100ms and 5m, got " + timeout);
            return 2;
        }
        URI base;
        try {
            base = url != null ? URI.create(url.endsWith("/") ? url : url + "/") : localNode();
        } catch (IllegalArgumentException e) {
            out.println("ladder synthetic: --url: " + e.getMessage());
            return 2;
        } catch (ConfigException e) {
            out.println("ladder synthetic: no --url, and the configuration does not say where the node is: " + e.getMessage());
            return 2;
        }
        if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null) {
            out.println("ladder synthetic: --url must be an http:// or https:// address, got " + url);
            return 2;
        }
        SSLContext sslContext = null;
        if (caCert != null) {
            try {
                sslContext = trusting(caCert);
            } catch (IOException | GeneralSecurityException e) {
                out.println("ladder synthetic: --ca-cert " + caCert + ": " + e.getMessage());
                return 2;
            }
        }
        return new SyntheticCheck(base, stepTimeout, sslContext, out).run() ? 0 : 1;
    }

    /** TLS that trusts exactly the CA certificates of a PEM file (a private CA, like the local cluster's). */
    static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + index++, certificate);
            }
            if (index == 0) {
                throw new GeneralSecurityException("no certificate in it");
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private URI localNode() {
        Config config = configOptions.load(env);
        return URI.create("http://127.0.0.1:" + config.http().port() + "/");
    }
}
