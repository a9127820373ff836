package dev.ladder.photos;

import dev.ladder.config.Config;
import dev.ladder.ids.IdGenerator;
import dev.ladder.queue.Job;
import dev.ladder.queue.JobHandler;
import dev.ladder.queue.PermanentJobFailure;
import dev.ladder.storage.ObjectKey;
import dev.ladder.storage.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a photo's thumbnail: reads the original from the object store, scales it, stores it under
 * thumbs/ and marks the photo ready. Idempotent, so at-least-once delivery has its effect once: a
 * photo that is no longer pending is left alone, the thumbnail's key is fixed by the photo's id
 * (a repeat writes the same bytes to the same key), and only a pending row turns ready.
 */
public final class ThumbnailWorker implements JobHandler {
    private static final Logger log = LoggerFactory.getLogger(ThumbnailWorker.class);

    private final Jdbi jdbi;
    private final ObjectStore store;
    private final Config.Photos config;
    private final Duration testOnlyDelay;
    private final Clock clock;
    private final PendingObjects pending;

    public ThumbnailWorker(Jdbi jdbi, ObjectStore store, Config.Photos config, Duration testOnlyDelay, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        this.testOnlyDelay = Objects.requireNonNull(testOnlyDelay, "testOnlyDelay");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pending = new PendingObjects(jdbi, clock);
    }

    @Override
    public void handle(Job job) throws Exception {
        long id = photoId(job);
        Optional<Photo> found = jdbi.withExtension(PhotoDao.class, dao -> dao.find(id));
        if (found.isEmpty() || found.get().status() != PhotoStatus.pending) {
            log.debug("Photo {} is {}; nothing to do", id, found.map(photo -> photo.status().name()).orElse("gone"));
            return;
        }
        Photo photo = found.get();
        ImageFormat format = ImageFormat.ofMediaType(photo.contentType())
                .orElseThrow(() -> new PermanentJobFailure("photo " + id + " has an unknown content type " + photo.contentType()));
        byte[] original = store.get(new ObjectKey(photo.originalKey()), config.maxUploadBytes())
                .orElseThrow(() -> new PermanentJobFailure("the original of photo " + id + " is missing from the object store"));

        Images.Thumbnail thumbnail;
        try {
            thumbnail = Images.thumbnail(original, format, config.thumbnailSize(), config.maxPixels());
        } catch (IOException e) {
            throw new PermanentJobFailure("the image cannot be decoded: " + e.getMessage(), e);
        }
        if (!testOnlyDelay.isZero()) {
            log.info("Job {} (photo {}): sleeping {} ms before storing (worker.testOnlyJobDelay)", job.id(), id, testOnlyDelay.toMillis());
            Thread.sleep(testOnlyDelay);
        }
        ObjectKey key = PhotoService.thumbnailKey(id, format);
        // Recorded first: if the photo is deleted meanwhile (or this worker dies), housekeeping deletes the thumbnail.
        long written = pending.record(key, config.orphanAfter().toMillis());
        store.put(key, thumbnail.bytes());
        int changed = jdbi.withExtension(PhotoDao.class,
                dao -> dao.markReady(id, key.value(), thumbnail.width(), thumbnail.height(), clock.millis()));
        if (changed == 1) {
            pending.done(written);
        }
        log.info("Photo {} thumbnail {}x{} ({} bytes){}", id, thumbnail.width(), thumbnail.height(), thumbnail.bytes().length,
                changed == 1 ? "" : "; it was already ready");
    }

    @Override
    public void deadLettered(Job job, String reason) {
        IdGenerator.parse(job.payload()).ifPresent(id -> jdbi.useExtension(PhotoDao.class,
                dao -> dao.markFailed(id, PhotoService.failureText(reason), clock.millis())));
    }

    private static long photoId(Job job) throws PermanentJobFailure {
        return IdGenerator.parse(job.payload()).orElseThrow(() -> new PermanentJobFailure("not a photo id: " + job.payload()));
    }
}
