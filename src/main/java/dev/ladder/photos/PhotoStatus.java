package dev.ladder.photos;

/** pending until a worker has made the thumbnail; then ready, or failed for good. */
public enum PhotoStatus { pending, ready, failed }
