package dev.ladder.users;

/** A stored user row. */
public record User(long id, String handle, String email, String passwordHash, long createdAt) {
}
