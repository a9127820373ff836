package dev.ladder.photos;

import java.net.URI;
import java.time.Instant;

/**
 * A photo as the API shows it. url and thumbnailUrl are where to fetch the bytes (a CDN, a
 * presigned S3 link, or this node's /media/); thumbnailUrl is null until the photo is ready.
 */
public record PhotoView(
        String id,
        String owner,
        PhotoStatus status,
        String contentType,
        int width,
        int height,
        String url,
        String thumbnailUrl,
        Integer thumbnailWidth,
        Integer thumbnailHeight,
        Instant createdAt) {

    public static PhotoView of(Photo photo, PhotoService photos) {
        return new PhotoView(
                Long.toString(photo.id()),
                photo.ownerHandle(),
                photo.status(),
                photo.contentType(),
                photo.width(),
                photo.height(),
                photos.url(photo).toString(),
                photos.thumbnailUrl(photo).map(URI::toString).orElse(null),
                photo.status() == PhotoStatus.ready ? photo.thumbnailWidth() : null,
                photo.status() == PhotoStatus.ready ? photo.thumbnailHeight() : null,
                Instant.ofEpochMilli(photo.createdAt()));
    }
}
