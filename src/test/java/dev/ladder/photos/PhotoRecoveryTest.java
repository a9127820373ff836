package dev.ladder.photos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.queue.DatabaseJobQueue;
import dev.ladder.queue.Job;
import dev.ladder.sessions.CurrentUser;
import dev.ladder.storage.LocalDiskObjectStore;
import dev.ladder.testing.TestApp;
import dev.ladder.users.PasswordHasher;
import dev.ladder.users.User;
import dev.ladder.users.UserService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A photo stored while its job never reached the queue (the node stopped in between) is queued again by housekeeping. */
class PhotoRecoveryTest {
    @TempDir
    Path data;

    @Test
    void aPendingPhotoLeftUnqueuedIsQueuedAgainOnceOldEnough() throws Exception {
        Config config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_PHOTOS_REQUEUE_AFTER", "1s"));
        try (Database database = Database.open(config.database(), config.data().path(), "recovery", new SimpleMeterRegistry())) {
            database.migrate();
            IdGenerator ids = new IdGenerator(3);
            Clock clock = Clock.systemUTC();
            DatabaseJobQueue queue = new DatabaseJobQueue(database.jdbi(), "thumbnails", ids, config.queue(), clock);
            UserService users = new UserService(database.jdbi(), ids, new PasswordHasher(config.passwords()), clock);
            PhotoService photos = new PhotoService(database.jdbi(), users, ids, new LocalDiskObjectStore(data.resolve("objects"), ""), queue,
                    config.photos(), config.storage().presignTtl(), clock, (author, postId) -> { });
            User user = users.signUp("recovery", "recovery@example.com", "password123");
            CurrentUser owner = new CurrentUser(user.id(), user.handle(), "unused", false);

            Photo photo = photos.upload(owner, "image/png", SyntheticPhoto.png(20, 20, 1));
            List<Job> first = queue.receive(10, Duration.ZERO);
            assertThat(first).extracting(Job::payload).containsExactly(Long.toString(photo.id()));
            queue.complete(first);
            // As if the node had died between storing the photo and handing its job to the queue:
            database.jdbi().useHandle(handle -> handle.execute("UPDATE photos SET queued = FALSE WHERE id = ?", photo.id()));

            assertThat(photos.requeueUnqueued(100)).as("too young to be stranded").isZero();
            Thread.sleep(1_100);
            assertThat(photos.requeueUnqueued(100)).isEqualTo(1);
            assertThat(photos.requeueUnqueued(100)).as("queued once only").isZero();

            assertThat(queue.receive(10, Duration.ZERO)).extracting(Job::payload).containsExactly(Long.toString(photo.id()));
            assertThat(photos.find(photo.id()).orElseThrow().queued()).isTrue();
        }
    }
}
