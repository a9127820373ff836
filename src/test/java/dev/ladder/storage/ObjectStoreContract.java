package dev.ladder.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every ObjectStore does, run against each implementation: local disk, and S3 (s3proxy with
 * the real AWS SDK client). Subclasses say how to open a store and how a reader reaches its URLs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ObjectStoreContract {
    protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    protected ObjectStore store;

    protected abstract ObjectStore open() throws Exception;

    /** The absolute URL a reader would fetch for a URL the store handed out. */
    protected abstract URI absolute(URI readUrl);

    @BeforeAll
    void openStore() throws Exception {
        store = open();
    }

    @AfterAll
    void closeStore() {
        if (store != null) {
            store.close();
        }
        http.close();
    }

    static String unique() {
        return Long.toString(System.nanoTime()) + ThreadLocalRandom.current().nextInt(1000);
    }

    static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    @Test
    void storesAndReturnsTheBytes() {
        ObjectKey key = ObjectKey.of("photos", unique() + ".jpg");
        byte[] content = bytes(70_000);

        store.put(key, content);

        assertThat(store.get(key, 70_000)).hasValueSatisfying(stored -> assertThat(stored).isEqualTo(content));
        assertThat(store.size(key)).contains(70_000L);
    }

    @Test
    void aMissingObjectIsEmptyNotAnError() {
        ObjectKey key = ObjectKey.of("photos", unique() + ".jpg");

        assertThat(store.get(key, 1000)).isEmpty();
        assertThat(store.size(key)).isEmpty();
        store.delete(key); // deleting what is not there is fine
    }

    @Test
    void aSecondPutOfTheSameKeyLeavesOneObjectWithTheLastContent() {
        String prefix = "thumbs/" + unique() + "/";
        ObjectKey key = new ObjectKey(prefix + "1.png");

        store.put(key, "first".getBytes(StandardCharsets.UTF_8));
        store.put(key, "second".getBytes(StandardCharsets.UTF_8));

        assertThat(store.list(prefix, 10)).containsExactly(key);
        assertThat(new String(store.get(key, 100).orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    @Test
    void refusesToReadAnObjectOverTheLimit() {
        ObjectKey key = ObjectKey.of("photos", unique() + ".png");
        store.put(key, bytes(2048));

        assertThatThrownBy(() -> store.get(key, 2047)).isInstanceOf(StorageException.class).hasMessageContaining("2047");
        assertThat(store.get(key, 2048)).isPresent();
    }

    @Test
    void deleteRemovesTheObject() {
        ObjectKey key = ObjectKey.of("photos", unique() + ".jpg");
        store.put(key, bytes(10));

        store.delete(key);

        assertThat(store.get(key, 100)).isEmpty();
    }

    @Test
    void listsKeysUnderAPrefixInOrderUpToMax() {
        String prefix = "thumbs/" + unique() + "/";
        List<ObjectKey> keys = List.of(new ObjectKey(prefix + "a.jpg"), new ObjectKey(prefix + "b.jpg"), new ObjectKey(prefix + "c.jpg"));
        for (ObjectKey key : keys.reversed()) {
            store.put(key, bytes(5));
        }
        store.put(new ObjectKey(prefix.replace("thumbs/", "photos/") + "a.jpg"), bytes(5)); // another prefix

        assertThat(store.list(prefix, 10)).containsExactlyElementsOf(keys);
        assertThat(store.list(prefix, 2)).containsExactlyElementsOf(keys.subList(0, 2));
        assertThat(store.list("thumbs/" + unique() + "/", 10)).isEmpty();
        assertThatThrownBy(() -> store.list("../", 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list("/etc/", 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReaderFetchesTheObjectByItsUrlAsImmutableWithItsType() throws Exception {
        ObjectKey key = ObjectKey.of("thumbs", unique() + ".jpg");
        byte[] content = bytes(3000);
        store.put(key, content);

        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(absolute(store.readUrl(key))).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
        assertThat(response.headers().firstValue("Content-Type")).contains("image/jpeg");
        assertThat(response.headers().firstValue("Cache-Control")).contains(ObjectStore.IMMUTABLE);
    }

    @Test
    void theUrlOfAMissingObjectDoesNotServeAnything() throws Exception {
        ObjectKey key = ObjectKey.of("thumbs", unique() + ".jpg");

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(absolute(store.readUrl(key))).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isIn(403, 404);
    }
}
