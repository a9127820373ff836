package dev.ladder.config;

import java.time.Duration;

/** Validation helpers for config records: each failure names the full key. */
final class Check {
    private Check() {
    }

    static <T> T present(String key, T value) {
        if (value == null) {
            throw new ConfigException(key, "is missing");
        }
        return value;
    }

    static int range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException(key, "must be between " + min + " and " + max + " (got " + value + ")");
        }
        return value;
    }

    static int port(String key, int value) {
        return range(key, value, 0, 65535);
    }

    static Duration duration(String key, Duration value, Duration min, Duration max) {
        present(key, value);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigException(key, "must be between " + Durations.format(min) + " and "
                    + Durations.format(max) + " (got " + Durations.format(value) + ")");
        }
        return value;
    }

    static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "must not be empty");
        }
        return value;
    }
}
