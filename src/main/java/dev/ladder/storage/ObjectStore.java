package dev.ladder.storage;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stored objects: photos, thumbnails and published static assets. Objects are write-once — a key's
 * content never changes (ids and content hashes are in the keys, thumbnails are deterministic) —
 * so every object is stored and served as immutable and a repeated put of the same key is harmless.
 * Readers fetch objects by {@link #readUrl URL}, never through the application's API.
 */
public interface ObjectStore extends AutoCloseable {
    String IMMUTABLE = "public, max-age=31536000, immutable";

    /** Stores content under key (replacing any earlier content), typed by the key's extension. */
    void put(ObjectKey key, byte[] content);

    /** The object's bytes; empty when there is none; a {@link StorageException} when it is larger than maxBytes. */
    Optional<byte[]> get(ObjectKey key, long maxBytes);

    /** The object's size, or empty when there is none. */
    Optional<Long> size(ObjectKey key);

    /** Removes the object; removing a missing object is not an error. */
    void delete(ObjectKey key);

    /** Up to max keys under a prefix such as "thumbs/", in key order. */
    List<ObjectKey> list(String prefix, int max);

    /**
     * Where a client fetches the object: storage.publicBaseUrl (a CDN) when set, else a presigned
     * GET URL (S3) or this node's /media/ path (local disk, a URL relative to the API).
     */
    URI readUrl(ObjectKey key);

    /** The base URL that {@link #readUrl} puts keys under when objects are public (CDN or /media). */
    String publicBase();

    /**
     * A URL a client can PUT exactly this content to, straight into the store, with the headers
     * it must send; empty when this store takes uploads only through the application.
     */
    Optional<DirectUpload> directUpload(ObjectKey key, String contentType, long bytes);

    /** A presigned upload: PUT the body to url with these headers before expiresAt. */
    record DirectUpload(URI url, String method, Map<String, String> headers, Instant expiresAt) {
    }

    @Override
    default void close() {
    }
}
