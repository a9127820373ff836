package dev.ladder.photos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.queue.DatabaseJobQueue;
import dev.ladder.queue.Job;
import dev.ladder.sessions.CurrentUser;
import dev.ladder.storage.ObjectKey;
import dev.ladder.storage.ObjectStore;
import dev.ladder.storage.ObjectStores;
import dev.ladder.storage.StorageException;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.TestApp;
import dev.ladder.users.PasswordHasher;
import dev.ladder.users.User;
import dev.ladder.users.UserService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Every path that writes an object and a row either finishes or leaves something housekeeping
 * cleans up. Failures are injected between the steps by wrapping the real store (local disk, or
 * S3 through s3proxy) so that one call fails once: after it has written (as if the node died right
 * then), or instead of deleting.
 */
class PhotoOrphansTest {
    @TempDir
    Path data;

    /** The real services of the photo pipeline on H2, around a store given by the test. */
    private record Pipeline(Database database, PhotoService photos, DatabaseJobQueue queue, ThumbnailWorker worker, CurrentUser owner)
            implements AutoCloseable {
        @Override
        public void close() {
            database.close();
        }
    }

    private Pipeline pipeline(Config config, ObjectStore store) {
        Database database = Database.open(config.database(), config.data().path(), "orphans", new SimpleMeterRegistry());
        database.migrate();
        IdGenerator ids = new IdGenerator(5);
        Clock clock = Clock.systemUTC();
        DatabaseJobQueue queue = new DatabaseJobQueue(database.jdbi(), "thumbnails", ids, config.queue(), clock);
        UserService users = new UserService(database.jdbi(), ids, new PasswordHasher(config.passwords()), clock);
        PhotoService photos = new PhotoService(database.jdbi(), users, ids, store, queue, config.photos(), config.storage().presignTtl(), clock,
                (author, postId) -> { });
        ThumbnailWorker worker = new ThumbnailWorker(database.jdbi(), store, config.photos(), Duration.ZERO, clock);
        User user = users.signUp("orphaned", "orphaned@example.com", "password123");
        return new Pipeline(database, photos, queue, worker, new CurrentUser(user.id(), user.handle(), "unused", false));
    }

    private Config localConfig() {
        return TestApp.config("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_PHOTOS_ORPHAN_AFTER", "1s"));
    }

    private static void awaitSwept(PhotoService photos, ObjectStore store, String prefix) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            photos.sweepPendingObjects(100);
            assertThat(store.list(prefix, 10)).isEmpty();
        });
    }

    @Test
    void anObjectStoredWhoseRowNeverCameIsDeletedByHousekeeping() {
        Config config = localConfig();
        FlakyStore store = new FlakyStore(ObjectStores.open(config, Clock.systemUTC()));
        try (Pipeline pipeline = pipeline(config, store)) {
            store.failAfterPut = "photos/";

            assertThatThrownBy(() -> pipeline.photos().upload(pipeline.owner(), "image/png", SyntheticPhoto.png(20, 20, 1)))
                    .isInstanceOf(StorageException.class);
            assertThat(store.list("photos/", 10)).as("stored before the row").hasSize(1);

            awaitSwept(pipeline.photos(), store, "photos/");
        }
    }

    @Test
    void aThumbnailWrittenForAPhotoDeletedMeanwhileIsDeletedByHousekeeping() throws Exception {
        Config config = localConfig();
        FlakyStore store = new FlakyStore(ObjectStores.open(config, Clock.systemUTC()));
        try (Pipeline pipeline = pipeline(config, store)) {
            Photo photo = pipeline.photos().upload(pipeline.owner(), "image/png", SyntheticPhoto.png(40, 40, 2));
            List<Job> jobs = pipeline.queue().receive(10, Duration.ZERO);
            // The owner deletes the photo while its thumbnail is being made.
            store.beforePut = key -> {
                if (key.value().startsWith("thumbs/")) {
                    store.beforePut = null;
                    pipeline.photos().delete(pipeline.owner(), photo.id());
                }
            };

            pipeline.worker().handle(jobs.getFirst());
            assertThat(store.list("photos/", 10)).isEmpty();
            assertThat(store.list("thumbs/", 10)).as("written after its photo went").hasSize(1);

            awaitSwept(pipeline.photos(), store, "thumbs/");
        }
    }

    @Test
    void aDeletedPhotosObjectsGoEvenWhenTheStoreFailsOnce() {
        Config config = localConfig();
        FlakyStore store = new FlakyStore(ObjectStores.open(config, Clock.systemUTC()));
        try (Pipeline pipeline = pipeline(config, store)) {
            Photo photo = pipeline.photos().upload(pipeline.owner(), "image/png", SyntheticPhoto.png(20, 20, 3));
            store.failDelete = "photos/";

            pipeline.photos().delete(pipeline.owner(), photo.id());
            assertThat(pipeline.photos().find(photo.id())).isEmpty();
            assertThat(store.list("photos/", 10)).as("the delete that failed").hasSize(1);

            awaitSwept(pipeline.photos(), store, "photos/");
        }
    }

    @Test
    void aConfirmationThatFailsAfterStoringCanBeRetriedAndLeavesNothingBehind() {
        try (S3Server s3 = S3Server.start()) {
            String bucket = s3.createBucket();
            Map<String, String> env = new HashMap<>(s3.storageOverrides(bucket));
            env.put("LADDER_DATA_DIR", data.toString());
            env.put("LADDER_PHOTOS_ORPHAN_AFTER", "1s");
            Config config = TestApp.config("embedded", env);
            FlakyStore store = new FlakyStore(ObjectStores.open(config, Clock.systemUTC()));
            try (Pipeline pipeline = pipeline(config, store)) {
                byte[] jpeg = SyntheticPhoto.jpeg(64, 48, 4);
                PhotoService.DirectUploadTicket ticket = pipeline.photos().startDirectUpload(pipeline.owner(), "image/jpeg", jpeg.length);
                s3.client().putObject(request -> request.bucket(bucket).key("uploads/" + ticket.id() + ".jpg"), RequestBody.fromBytes(jpeg));
                store.failAfterPut = "photos/";

                assertThatThrownBy(() -> pipeline.photos().confirmDirectUpload(pipeline.owner(), ticket.id()))
                        .isInstanceOf(StorageException.class);

                // The ticket was not used up by the failure: the client's retry goes through.
                Photo photo = pipeline.photos().confirmDirectUpload(pipeline.owner(), ticket.id());
                assertThat(photo.id()).isEqualTo(ticket.id());
                assertThat(store.list("uploads/", 10)).as("the staging copy").isEmpty();

                // A PUT to the staging URL after confirmation is swept up; the photo itself stays.
                s3.client().putObject(request -> request.bucket(bucket).key("uploads/" + ticket.id() + ".jpg"), RequestBody.fromBytes(jpeg));
                assertThat(pipeline.photos().sweepPendingObjects(100)).as("not due before the upload URL expires").isZero();
                assertThat(store.list("photos/", 10)).extracting(ObjectKey::value).containsExactly("photos/" + ticket.id() + ".jpg");
            }
        }
    }

    /** The real store, failing once where a test says. */
    static final class FlakyStore implements ObjectStore {
        private final ObjectStore delegate;
        volatile String failAfterPut;
        volatile String failDelete;
        volatile java.util.function.Consumer<ObjectKey> beforePut;

        FlakyStore(ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(ObjectKey key, byte[] content) {
            java.util.function.Consumer<ObjectKey> hook = beforePut;
            if (hook != null) {
                hook.accept(key);
            }
            delegate.put(key, content);
            String prefix = failAfterPut;
            if (prefix != null && key.value().startsWith(prefix)) {
                failAfterPut = null;
                throw new StorageException("injected: the node stopped right after storing " + key, null);
            }
        }

        @Override
        public Optional<byte[]> get(ObjectKey key, long maxBytes) {
            return delegate.get(key, maxBytes);
        }

        @Override
        public Optional<Long> size(ObjectKey key) {
            return delegate.size(key);
        }

        @Override
        public void delete(ObjectKey key) {
            String prefix = failDelete;
            if (prefix != null && key.value().startsWith(prefix)) {
                failDelete = null;
                throw new StorageException("injected: could not delete " + key, null);
            }
            delegate.delete(key);
        }

        @Override
        public List<ObjectKey> list(String prefix, int max) {
            return delegate.list(prefix, max);
        }

        @Override
        public URI readUrl(ObjectKey key) {
            return delegate.readUrl(key);
        }

        @Override
        public String publicBase() {
            return delegate.publicBase();
        }

        @Override
        public Optional<DirectUpload> directUpload(ObjectKey key, String contentType, long bytes) {
            return delegate.directUpload(key, contentType, bytes);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
