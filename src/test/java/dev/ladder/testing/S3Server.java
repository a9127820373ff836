package dev.ladder.testing;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server (s3proxy over an in-memory blob store) in the test JVM, on a free
 * port of 127.0.0.1, with SigV4 authentication on. The application reaches it with the real AWS
 * SDK client; tests get their own client for setting up buckets and looking inside them. s3proxy
 * ignores the server-side encryption header (see {@link SentRequests} for checking it is sent).
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "ladder-test-access";
    public static final String SECRET_KEY = "ladder-test-secret-key";
    public static final String REGION = "us-east-1";
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private final BlobStoreContext blobs;
    private final S3Proxy proxy;
    private final S3Client client;

    private S3Server(BlobStoreContext blobs, S3Proxy proxy) {
        this.blobs = blobs;
        this.proxy = proxy;
        this.client = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    public static S3Server start() {
        BlobStoreContext blobs = ContextBuilder.newBuilder("transient")
                .credentials("identity", "credential")
                .overrides(new Properties())
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobs.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                // s3proxy does not implement server-side encryption and would refuse the header with 501.
                .ignoreUnknownHeaders(true)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            blobs.close();
            throw new IllegalStateException("s3proxy did not start", e);
        }
        return new S3Server(blobs, proxy);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** A client of this server, for setting up and checking from tests. */
    public S3Client client() {
        return client;
    }

    /** Creates a new, uniquely named bucket and returns its name. */
    public String createBucket() {
        String name = "ladder-test-" + BUCKETS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xFFFFFF);
        client.createBucket(request -> request.bucket(name));
        return name;
    }

    /** The environment overrides that point a node's storage at bucket on this server. */
    public Map<String, String> storageOverrides(String bucket) {
        return Map.of(
                "LADDER_STORAGE_KIND", "s3",
                "LADDER_STORAGE_S3_BUCKET", bucket,
                "LADDER_STORAGE_S3_REGION", REGION,
                "LADDER_STORAGE_S3_ENDPOINT", endpoint(),
                "LADDER_STORAGE_S3_PATH_STYLE", "true",
                "LADDER_STORAGE_S3_ACCESS_KEY_ID", ACCESS_KEY,
                "LADDER_STORAGE_S3_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    @Override
    public void close() {
        client.close();
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop", e);
        } finally {
            blobs.close();
        }
    }
}
