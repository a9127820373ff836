package dev.ladder.queue;

/** A job that cannot succeed however often it is tried (bad input): it is dead-lettered at once. */
public final class PermanentJobFailure extends Exception {
    public PermanentJobFailure(String message) {
        super(message);
    }

    public PermanentJobFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
