package dev.ladder.storage;

/** The object store failed or refused an operation (unreachable, denied, too large). */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
