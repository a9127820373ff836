package dev.ladder.photos;

import dev.ladder.config.Config;
import dev.ladder.http.ApiException;
import dev.ladder.http.Cursor;
import dev.ladder.idempotency.Answer;
import dev.ladder.ids.IdGenerator;
import dev.ladder.queue.JobQueue;
import dev.ladder.sessions.CurrentUser;
import dev.ladder.storage.ObjectKey;
import dev.ladder.storage.ObjectStore;
import dev.ladder.storage.ObjectStore.DirectUpload;
import dev.ladder.users.User;
import dev.ladder.users.UserService;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of photos: what an upload must be (a JPEG or PNG whose bytes agree with its
 * Content-Type, at most photos.maxPixels), where it is stored, and how its thumbnail job is
 * queued. Nothing is stored when an upload is refused.
 */
public final class PhotoService {
    private static final Logger log = LoggerFactory.getLogger(PhotoService.class);
    public static final int MAX_PHOTOS_PER_POST = 4;
    static final int MAX_OPEN_UPLOADS = 20;
    static final int MAX_FAILURE_CHARS = 500;

    private final Jdbi jdbi;
    private final UserService users;
    private final IdGenerator ids;
    private final ObjectStore store;
    private final JobQueue thumbnails;
    private final Config.Photos config;
    private final Duration uploadTtl;
    private final Clock clock;
    private final PendingObjects pending;
    /** Told of every post whose photos changed behind PostService's back (a deleted photo left it). */
    private final PostChanged postChanged;

    /** A post (by its author) whose photos changed; its cached renderings must go. */
    @FunctionalInterface
    public interface PostChanged {
        void changed(String authorHandle, long postId);
    }

    public PhotoService(Jdbi jdbi, UserService users, IdGenerator ids, ObjectStore store, JobQueue thumbnails,
                        Config.Photos config, Duration uploadTtl, Clock clock, PostChanged postChanged) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.users = Objects.requireNonNull(users, "users");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.store = Objects.requireNonNull(store, "store");
        this.thumbnails = Objects.requireNonNull(thumbnails, "thumbnails");
        this.config = Objects.requireNonNull(config, "config");
        this.uploadTtl = Objects.requireNonNull(uploadTtl, "uploadTtl");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pending = new PendingObjects(jdbi, clock);
        this.postChanged = Objects.requireNonNull(postChanged, "postChanged");
    }

    public int maxUploadBytes() {
        return config.maxUploadBytes();
    }

    /** Checks an upload, stores it and queues its thumbnail; the photo comes back pending. */
    public Photo upload(CurrentUser owner, String contentType, byte[] body) {
        return upload(owner, contentType, body, null);
    }

    /**
     * The same, storing answer (an Idempotency-Key's first response) in the photo row's transaction;
     * if the queue then refuses and the row is deleted again, the answer goes with it.
     */
    public Photo upload(CurrentUser owner, String contentType, byte[] body, Answer<Photo> answer) {
        ImageFormat format = declaredFormat(contentType);
        Images.Dimensions size = inspect(body, format);
        byte[] clean = withoutMetadata(body, format);
        long id = ids.next();
        ObjectKey key = originalKey(id, format);
        // Recorded before the object is written: if the row never follows, housekeeping deletes it.
        long written = pending.record(key, orphanAfter());
        store.put(key, clean);
        Photo photo = record(owner, id, format, size, clean.length, key, handle -> pending.done(handle, written), answer);
        return photo;
    }

    /**
     * Hands out a presigned PUT for a photo of this type and size, when the store takes direct
     * uploads; the client PUTs the bytes, then calls {@link #confirmDirectUpload}.
     */
    public DirectUploadTicket startDirectUpload(CurrentUser owner, String contentType, long bytes) {
        ImageFormat format = ImageFormat.ofMediaType(contentType)
                .orElseThrow(() -> ApiException.invalid("contentType: must be image/jpeg or image/png"));
        if (bytes < 1 || bytes > config.maxUploadBytes()) {
            throw new ApiException(413, "too-large", "Photo too large",
                    "bytes: a photo must be 1-" + config.maxUploadBytes() + " bytes");
        }
        long now = clock.millis();
        if (jdbi.withExtension(PhotoDao.class, dao -> dao.openUploads(owner.id(), now)) >= MAX_OPEN_UPLOADS) {
            throw new ApiException(429, "too-many-uploads", "Too many uploads in progress",
                    "finish or let expire some of your " + MAX_OPEN_UPLOADS + " open uploads first");
        }
        long id = ids.next();
        // The client PUTs to a staging key; confirmation copies the checked bytes to the photo's own key.
        Optional<DirectUpload> presigned = store.directUpload(stagingKey(id, format), format.mediaType(), bytes);
        if (presigned.isEmpty()) {
            throw new ApiException(501, "direct-upload-unavailable", "Direct upload unavailable",
                    "this server's storage takes photos only through POST /api/photos");
        }
        long expiresAt = Math.min(presigned.get().expiresAt().toEpochMilli(), now + uploadTtl.toMillis());
        jdbi.useExtension(PhotoDao.class, dao -> dao.insertUpload(new PhotoDao.Upload(id, owner.id(), format.mediaType(), (int) bytes, expiresAt)));
        return new DirectUploadTicket(id, presigned.get());
    }

    public record DirectUploadTicket(long id, DirectUpload upload) {
    }

    /**
     * Takes a direct upload in: the stored bytes must be what was announced and pass the same
     * checks as an upload through the API, else they are deleted and the client told why. The
     * checked bytes are written by this server to the photo's own key: the presigned PUT stays
     * valid until it expires, but it only ever reaches the staging key, so nobody can replace a
     * photo after it was checked (objects stay write-once, and CDN caches stay true).
     */
    public Photo confirmDirectUpload(CurrentUser owner, long uploadId) {
        PhotoDao.Upload upload = jdbi.withExtension(PhotoDao.class, dao -> dao.findUpload(uploadId))
                .filter(found -> found.ownerId() == owner.id())
                .filter(found -> found.expiresAt() > clock.millis())
                .orElseThrow(() -> ApiException.notFound("that upload"));
        ImageFormat format = ImageFormat.ofMediaType(upload.contentType()).orElseThrow();
        ObjectKey staged = stagingKey(upload.id(), format);
        ObjectKey key = originalKey(upload.id(), format);
        Optional<Long> stored = store.size(staged);
        if (stored.isEmpty()) {
            throw ApiException.conflict("upload-missing", "nothing has been uploaded yet: PUT the photo to the upload URL first");
        }
        byte[] clean;
        Images.Dimensions size;
        try {
            if (stored.get() != upload.bytes()) {
                throw ApiException.invalid("the upload is " + stored.get() + " bytes, not the " + upload.bytes() + " announced");
            }
            byte[] body = store.get(staged, config.maxUploadBytes()).orElseThrow(
                    () -> ApiException.conflict("upload-missing", "the upload has gone; start again"));
            size = inspect(body, format);
            clean = withoutMetadata(body, format);
        } catch (ApiException e) {
            if (jdbi.withExtension(PhotoDao.class, dao -> dao.deleteUpload(upload.id())) == 1) {
                store.delete(staged); // refused bytes are not kept
            }
            throw e;
        }
        long written = pending.record(key, orphanAfter());
        store.put(key, clean);
        // The ticket is used up in the transaction that writes the photo's row, so a failure before
        // leaves it for a retry (or for expiry, which deletes the staging object). Of two racing
        // confirmations only one deletes it; the other is 404 and its copy (the same bytes at the same
        // key) is the winner's. The staging key can still be PUT to until its URL expires: whatever
        // lands there afterwards is deleted then.
        long stagingUrlExpires = Math.max(0, upload.expiresAt() - clock.millis()) + 60_000;
        Photo photo;
        try {
            photo = record(owner, upload.id(), format, size, clean.length, key, handle -> {
                if (handle.attach(PhotoDao.class).deleteUpload(upload.id()) == 0) {
                    throw ApiException.notFound("that upload");
                }
                pending.done(handle, written);
                pending.record(handle, staged, stagingUrlExpires);
            }, null);
        } catch (ApiException e) {
            if (e.status() == 503) { // the queue refused and the row is gone again: give the ticket back for the retry
                jdbi.useExtension(PhotoDao.class, dao -> dao.insertUpload(upload));
            }
            throw e;
        }
        deleteQuietly(staged);
        return photo;
    }

    /**
     * Inserts the pending row (with whatever else must commit with it), then queues its job; if
     * the queue refuses, nothing is kept.
     */
    private Photo record(CurrentUser owner, long id, ImageFormat format, Images.Dimensions size, int bytes, ObjectKey key,
                         java.util.function.Consumer<org.jdbi.v3.core.Handle> withRow, Answer<Photo> answer) {
        long now = clock.millis();
        Photo photo = new Photo(id, owner.id(), owner.handle(), PhotoStatus.pending, format.mediaType(), size.width(), size.height(),
                bytes, key.value(), null, null, null, false, null, now, now);
        jdbi.useTransaction(handle -> {
            handle.attach(PhotoDao.class).insert(photo);
            withRow.accept(handle);
            if (answer != null) {
                answer.store(handle, photo);
            }
        });
        try {
            thumbnails.enqueue(Long.toString(id));
        } catch (RuntimeException e) {
            log.warn("Could not queue the thumbnail of photo {}; refusing the upload: {}", id, e.toString());
            long orphan = pending.record(key, 0);
            jdbi.useTransaction(handle -> {
                handle.attach(PhotoDao.class).delete(id);
                if (answer != null) {
                    answer.withdraw(handle);
                }
            });
            store.delete(key);
            pending.done(orphan);
            throw new ApiException(503, "unavailable", "Service unavailable", "the job queue could not be reached; retry shortly");
        }
        jdbi.useExtension(PhotoDao.class, dao -> dao.markQueued(id));
        return photo;
    }

    /** Queues again the pending photos whose job never reached the queue; returns how many. */
    public int requeueUnqueued(int limit) {
        long before = clock.millis() - config.requeueAfter().toMillis();
        List<Photo> stranded = jdbi.withExtension(PhotoDao.class, dao -> dao.unqueued(before, limit));
        for (Photo photo : stranded) {
            thumbnails.enqueue(Long.toString(photo.id()));
            jdbi.useExtension(PhotoDao.class, dao -> dao.markQueued(photo.id()));
        }
        if (!stranded.isEmpty()) {
            log.info("Queued the thumbnails of {} photos whose jobs had not reached the queue", stranded.size());
        }
        return stranded.size();
    }

    /** Forgets direct uploads that were never confirmed (and whatever was uploaded for them). */
    public int purgeExpiredUploads(int limit) {
        List<PhotoDao.Upload> expired = jdbi.withExtension(PhotoDao.class, dao -> dao.expiredUploads(clock.millis(), limit));
        for (PhotoDao.Upload upload : expired) {
            ImageFormat.ofMediaType(upload.contentType()).ifPresent(format -> store.delete(stagingKey(upload.id(), format)));
            jdbi.useExtension(PhotoDao.class, dao -> dao.deleteUpload(upload.id()));
        }
        return expired.size();
    }

    /**
     * Settles the pending-object records that are due: an object a photo row refers to is kept
     * (the work completed and only the record was left), one whose photo is still pending is looked
     * at again later, anything else is deleted. Returns how many objects were deleted.
     */
    public int sweepPendingObjects(int limit) {
        int deleted = 0;
        for (PendingObjects.Pending record : pending.due(limit)) {
            java.util.OptionalLong photoId = photoIdOf(record.key());
            Optional<Photo> owner = photoId.isPresent() ? find(photoId.getAsLong()) : Optional.empty();
            boolean referred = owner.filter(photo -> record.objectKey().equals(photo.originalKey())
                    || record.objectKey().equals(photo.thumbnailKey())).isPresent();
            if (!referred && owner.filter(photo -> photo.status() == PhotoStatus.pending).isPresent()
                    && record.key().prefix().equals("thumbs/")) {
                pending.postpone(record.id(), orphanAfter()); // its job may still be running
                continue;
            }
            if (!referred) {
                if (!deleteQuietly(record.key())) {
                    continue;
                }
                deleted++;
            }
            pending.done(record.id());
        }
        if (deleted > 0) {
            log.info("Deleted {} objects that no photo owned (left by failures or deletions)", deleted);
        }
        return deleted;
    }

    /** The photo id in a key such as photos/123.jpg, thumbs/123.png or uploads/123.jpg. */
    private static java.util.OptionalLong photoIdOf(ObjectKey key) {
        String name = key.value().substring(key.value().lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        return IdGenerator.parse(dot < 0 ? name : name.substring(0, dot));
    }

    /** Deletes the object; a failure is logged and left to {@link #sweepPendingObjects}. */
    private boolean deleteQuietly(ObjectKey key) {
        try {
            store.delete(key);
            return true;
        } catch (RuntimeException e) {
            log.warn("Could not delete {} (housekeeping will): {}", key, e.toString());
            return false;
        }
    }

    private long orphanAfter() {
        return config.orphanAfter().toMillis();
    }

    public Optional<Photo> find(long id) {
        return jdbi.withExtension(PhotoDao.class, dao -> dao.find(id));
    }

    /**
     * The photo as this viewer may see it (viewerId 0: nobody logged in): its owner sees it in any
     * state; others only once a post shows it, and not if it failed. Otherwise it does not exist for
     * them, so drafts cannot be found by walking ids.
     */
    public Optional<Photo> visible(long id, long viewerId) {
        return jdbi.withExtension(PhotoDao.class, dao -> dao.find(id).filter(photo -> isVisible(dao, photo, viewerId)));
    }

    private static boolean isVisible(PhotoDao dao, Photo photo, long viewerId) {
        return photo.ownerId() == viewerId || (photo.status() != PhotoStatus.failed && dao.postsShowing(photo.id()) > 0);
    }

    /**
     * One user's photos, newest first, as this viewer may see them: all of them for their owner,
     * only those a post shows for anyone else. Empty when there is no such user.
     */
    public Optional<List<Photo>> byOwner(String handle, String before, int limit, long viewerId) {
        long below = Cursor.decode(before).orElse(Long.MAX_VALUE);
        Optional<User> owner = users.byHandle(handle);
        return owner.map(user -> jdbi.withExtension(PhotoDao.class, dao -> user.id() == viewerId
                ? dao.byOwner(user.id(), below, limit + 1)
                : dao.publishedByOwner(user.id(), below, limit + 1)));
    }

    /**
     * Deletes the owner's photo: it leaves every post that showed it, its rows go, then its
     * objects (original and thumbnail); the posts that showed it are reported changed, so their
     * cached renderings go. Someone else's photo is 403 if they can see it (as for posts), else 404.
     */
    public void delete(CurrentUser caller, long id) {
        record Deleted(Photo photo, List<Long> posts, List<ObjectKey> keys, List<Long> records) {
        }
        Deleted deleted = jdbi.inTransaction(handle -> {
            PhotoDao dao = handle.attach(PhotoDao.class);
            Photo found = dao.find(id).filter(candidate -> isVisible(dao, candidate, caller.id()))
                    .orElseThrow(() -> ApiException.notFound("that photo"));
            if (found.ownerId() != caller.id()) {
                throw ApiException.forbidden("only its owner can delete a photo");
            }
            List<Long> showing = dao.postsOf(id);
            dao.detachEverywhere(id);
            dao.delete(id);
            // The objects outlive the rows for a moment: recorded with them, so a failure below is swept up.
            List<ObjectKey> keys = new ArrayList<>();
            keys.add(new ObjectKey(found.originalKey()));
            ImageFormat.ofMediaType(found.contentType()).ifPresent(format -> keys.add(thumbnailKey(id, format)));
            List<Long> records = new ArrayList<>();
            for (ObjectKey key : keys) {
                records.add(pending.record(handle, key, 0));
            }
            return new Deleted(found, showing, keys, records);
        });
        for (int i = 0; i < deleted.keys().size(); i++) {
            if (deleteQuietly(deleted.keys().get(i))) {
                pending.done(deleted.records().get(i));
            }
        }
        // Only its owner shows a photo in a post, so the caller is the author of every post that showed it.
        deleted.posts().forEach(postId -> postChanged.changed(caller.handle(), postId));
    }

    /** The photos a new post may show: at most four distinct photos of its author that have not failed. */
    public List<Long> checkAttachable(CurrentUser author, List<String> photoIds) {
        if (photoIds == null || photoIds.isEmpty()) {
            return List.of();
        }
        if (photoIds.size() > MAX_PHOTOS_PER_POST) {
            throw ApiException.invalid("photoIds: a post shows at most " + MAX_PHOTOS_PER_POST + " photos");
        }
        List<Long> parsed = new ArrayList<>();
        for (String text : photoIds) {
            if (text == null) {
                throw ApiException.invalid("photoIds: must be photo ids, not null");
            }
            long id = IdGenerator.parse(text).orElseThrow(() -> ApiException.invalid("photoIds: \"" + abbreviate(text) + "\" is not a photo id"));
            parsed.add(id);
        }
        if (new HashSet<>(parsed).size() != parsed.size()) {
            throw ApiException.invalid("photoIds: a photo is named twice");
        }
        Map<Long, Photo> found = jdbi.withExtension(PhotoDao.class, dao -> dao.findAll(parsed)).stream()
                .collect(Collectors.toMap(Photo::id, Function.identity()));
        for (long id : parsed) {
            Photo photo = found.get(id);
            if (photo == null || photo.ownerId() != author.id()) {
                throw ApiException.invalid("photoIds: " + id + " is not one of your photos");
            }
            if (photo.status() == PhotoStatus.failed) {
                throw ApiException.invalid("photoIds: photo " + id + " could not be processed and cannot be shown");
            }
        }
        return parsed;
    }

    /** Links checked photos to a post, inside the caller's transaction. */
    public static void attach(org.jdbi.v3.core.Handle handle, long postId, List<Long> photoIds) {
        if (photoIds.isEmpty()) {
            return;
        }
        List<Integer> seq = new ArrayList<>();
        for (int i = 0; i < photoIds.size(); i++) {
            seq.add(i);
        }
        handle.attach(PhotoDao.class).attach(postId, photoIds, seq);
    }

    public static void detachAll(org.jdbi.v3.core.Handle handle, long postId) {
        handle.attach(PhotoDao.class).detachAll(postId);
    }

    /** The photos each post shows, in order; posts without photos are absent. */
    public Map<Long, List<Photo>> photosOfPosts(List<Long> postIds) {
        if (postIds.isEmpty()) {
            return Map.of();
        }
        return jdbi.withHandle(handle -> {
            PhotoDao dao = handle.attach(PhotoDao.class);
            List<PhotoDao.PostPhoto> links = dao.photosOfPosts(postIds);
            if (links.isEmpty()) {
                return Map.of();
            }
            Map<Long, Photo> photos = dao.findAll(links.stream().map(PhotoDao.PostPhoto::photoId).distinct().toList()).stream()
                    .collect(Collectors.toMap(Photo::id, Function.identity()));
            Map<Long, List<Photo>> byPost = new LinkedHashMap<>();
            for (PhotoDao.PostPhoto link : links) {
                Photo photo = photos.get(link.photoId());
                if (photo != null) {
                    byPost.computeIfAbsent(link.postId(), unused -> new ArrayList<>()).add(photo);
                }
            }
            return byPost;
        });
    }

    public URI url(Photo photo) {
        return store.readUrl(new ObjectKey(photo.originalKey()));
    }

    public Optional<URI> thumbnailUrl(Photo photo) {
        if (photo.status() != PhotoStatus.ready || photo.thumbnailKey() == null) {
            return Optional.empty();
        }
        return Optional.of(store.readUrl(new ObjectKey(photo.thumbnailKey())));
    }

    static ObjectKey originalKey(long id, ImageFormat format) {
        return ObjectKey.of("photos", id + "." + format.extension());
    }

    /** Where a direct upload's client PUTs its bytes, until confirmation takes them in. */
    static ObjectKey stagingKey(long id, ImageFormat format) {
        return ObjectKey.of("uploads", id + "." + format.extension());
    }

    static ObjectKey thumbnailKey(long id, ImageFormat format) {
        return ObjectKey.of("thumbs", id + "." + format.extension());
    }

    private static ImageFormat declaredFormat(String contentType) {
        return ImageFormat.ofMediaType(contentType).orElseThrow(() -> new ApiException(415, "unsupported-media-type",
                "Unsupported media type", "send the photo as the raw body with Content-Type image/jpeg or image/png"));
    }

    /** The upload's size from its header, after checking its bytes are what its Content-Type says. */
    private Images.Dimensions inspect(byte[] body, ImageFormat declared) {
        if (body.length == 0) {
            throw notAnImage("the body is empty");
        }
        ImageFormat actual = ImageFormat.sniff(body).orElseThrow(() -> notAnImage("the body is not a JPEG or PNG image"));
        if (actual != declared) {
            throw notAnImage("the body is a " + actual + " image but Content-Type says " + declared.mediaType());
        }
        Images.Dimensions size;
        try {
            size = Images.dimensions(body, actual);
        } catch (IOException e) {
            throw notAnImage("the image's header cannot be read");
        }
        if (size.pixels() > config.maxPixels()) {
            throw new ApiException(400, "image-too-large", "Image has too many pixels",
                    "the image is " + size.width() + "x" + size.height() + " (" + size.pixels() + " pixels); the limit is "
                            + config.maxPixels() + " pixels");
        }
        return size;
    }

    /** What is stored and served: the image without Exif, XMP, comments or text (its orientation kept). */
    private static byte[] withoutMetadata(byte[] body, ImageFormat format) {
        try {
            return ImageMetadata.strip(body, format);
        } catch (IOException e) {
            throw notAnImage("the image's structure cannot be read: " + e.getMessage());
        }
    }

    private static ApiException notAnImage(String detail) {
        return new ApiException(415, "not-an-image", "Not a supported image", detail);
    }

    private static String abbreviate(String text) {
        return text.length() <= 24 ? text : text.substring(0, 24) + "...";
    }

    /** The failure text kept on a photo, bounded. */
    static String failureText(String reason) {
        String text = reason == null ? "unknown" : reason;
        return text.length() <= MAX_FAILURE_CHARS ? text : text.substring(0, MAX_FAILURE_CHARS);
    }
}
