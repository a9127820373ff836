package dev.ladder.photos;

/** A stored photo row. The thumbnail fields are null until the photo is ready. */
public record Photo(
        long id,
        long ownerId,
        String ownerHandle,
        PhotoStatus status,
        String contentType,
        int width,
        int height,
        int bytes,
        String originalKey,
        String thumbnailKey,
        Integer thumbnailWidth,
        Integer thumbnailHeight,
        boolean queued,
        String failure,
        long createdAt,
        long updatedAt) {
}
