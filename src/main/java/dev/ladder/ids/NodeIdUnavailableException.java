package dev.ladder.ids;

/**
 * This node may not mint ids right now: its node id is leased and the lease is not held (not yet
 * taken, or not renewed in time). Writes answer 503 until it is; nothing is written.
 */
public final class NodeIdUnavailableException extends RuntimeException {
    public NodeIdUnavailableException(String message) {
        super(message, null, false, false);
    }
}
