package dev.ladder.storage;

import dev.ladder.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * Objects in an S3 bucket (users-plus on), through the AWS SDK v2. Every put asks for
 * server-side encryption. Readers get presigned GET URLs, or storage.publicBaseUrl + key when a
 * CDN (or a public bucket) is in front; clients may upload straight to S3 with a presigned PUT.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client client;
    private final S3Presigner presigner;
    private final String bucket;
    private final ServerSideEncryption encryption;
    private final String publicBase;
    private final Duration presignTtl;
    private final Clock clock;

    private S3ObjectStore(S3Client client, S3Presigner presigner, Config.Storage config, Clock clock) {
        this.client = client;
        this.presigner = presigner;
        this.bucket = config.s3().bucket();
        this.encryption = ServerSideEncryption.fromValue(config.s3().serverSideEncryption());
        this.publicBase = config.publicBaseUrl();
        this.presignTtl = config.presignTtl();
        this.clock = clock;
    }

    public static S3ObjectStore open(Config.Storage config, Clock clock) {
        Config.Storage.S3 s3 = config.s3();
        AwsCredentialsProvider credentials = s3.accessKeyId().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKeyId(), s3.secretAccessKey()));
        Duration timeout = s3.requestTimeout();
        var clientBuilder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(timeout))
                .region(Region.of(s3.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(s3.pathStyle())
                // Checksums only where S3 requires them: S3-compatible servers reject the SDK's default ones.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(override -> override.apiCallTimeout(timeout));
        var presignerBuilder = S3Presigner.builder()
                .region(Region.of(s3.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(s3.pathStyle()).build());
        if (!s3.endpoint().isEmpty()) {
            clientBuilder.endpointOverride(URI.create(s3.endpoint()));
            presignerBuilder.endpointOverride(URI.create(s3.endpoint()));
        }
        S3Client client = clientBuilder.build();
        try {
            return new S3ObjectStore(client, presignerBuilder.build(), config, clock);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void put(ObjectKey key, byte[] content) {
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(key.value())
                .contentType(key.contentType())
                .cacheControl(IMMUTABLE)
                .serverSideEncryption(encryption)
                .build();
        try {
            client.putObject(request, RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new StorageException("cannot store " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> get(ObjectKey key, long maxBytes) {
        GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(key.value()).build();
        try (ResponseInputStream<GetObjectResponse> body = client.getObject(request)) {
            Long length = body.response().contentLength();
            if (length != null && length > maxBytes) {
                body.abort();
                throw new StorageException(key + " is " + length + " bytes, more than the " + maxBytes + " allowed");
            }
            byte[] bytes = readAtMost(body, maxBytes);
            if (bytes == null) {
                body.abort();
                throw new StorageException(key + " is more than the " + maxBytes + " bytes allowed");
            }
            return Optional.of(bytes);
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException | IOException e) {
            throw new StorageException("cannot read " + key + " from bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    /** All of the stream if it holds at most max bytes, else null. */
    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        return bytes.length > max ? null : bytes;
    }

    @Override
    public Optional<Long> size(ObjectKey key) {
        try {
            return Optional.of(client.headObject(request -> request.bucket(bucket).key(key.value())).contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) { // HEAD answers have no body, so no NoSuchKey code either
                return Optional.empty();
            }
            throw new StorageException("cannot look up " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StorageException("cannot look up " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(ObjectKey key) {
        try {
            client.deleteObject(request -> request.bucket(bucket).key(key.value()));
        } catch (SdkException e) {
            throw new StorageException("cannot delete " + key + " from bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<ObjectKey> list(String prefix, int max) {
        ObjectKey.checkPrefix(prefix);
        try {
            return client.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix).maxKeys(Math.min(max, 1000)))
                    .contents().stream()
                    .limit(max)
                    .map(object -> new ObjectKey(object.key()))
                    .toList();
        } catch (SdkException e) {
            throw new StorageException("cannot list " + prefix + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public URI readUrl(ObjectKey key) {
        if (!publicBase.isEmpty()) {
            return URI.create(publicBase + "/" + key.value());
        }
        return URI.create(presigner.presignGetObject(request -> request
                        .signatureDuration(presignTtl)
                        .getObjectRequest(get -> get.bucket(bucket).key(key.value())))
                .url().toString());
    }

    @Override
    public String publicBase() {
        return publicBase;
    }

    /**
     * Type, length and encryption are signed into the URL, so S3 itself refuses a body of another
     * size or type: the client must send exactly the headers returned.
     */
    @Override
    public Optional<DirectUpload> directUpload(ObjectKey key, String contentType, long bytes) {
        PresignedPutObjectRequest presigned = presigner.presignPutObject(request -> request
                .signatureDuration(presignTtl)
                .putObjectRequest(put -> put
                        .bucket(bucket)
                        .key(key.value())
                        .contentType(contentType)
                        .contentLength(bytes)
                        .cacheControl(IMMUTABLE)
                        .serverSideEncryption(encryption)));
        Map<String, String> headers = new LinkedHashMap<>();
        presigned.signedHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        return Optional.of(new DirectUpload(URI.create(presigned.url().toString()), "PUT", Map.copyOf(headers),
                presigned.expiration() != null ? presigned.expiration() : clock.instant().plus(presignTtl)));
    }

    @Override
    public void close() {
        presigner.close();
        client.close();
    }
}
