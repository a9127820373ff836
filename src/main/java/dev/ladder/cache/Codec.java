package dev.ladder.cache;

/**
 * Turns a cached value into bytes and back, for caches that keep values outside the JVM (Redis).
 * decode must accept whatever encode produced on any node running the same release; a value it
 * cannot read (another release's format) is thrown out as {@link IllegalArgumentException} and
 * treated as a miss.
 */
public interface Codec<V> {
    byte[] encode(V value);

    V decode(byte[] bytes);
}
