package dev.ladder.posts;

/** A stored post row. version starts at 1 and grows by one with every edit (it is the ETag). */
public record Post(long id, long authorId, String authorHandle, String body, int version, long createdAt, long updatedAt) {
}
