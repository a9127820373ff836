package dev.ladder.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Pattern;

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

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** An IP literal ("10.0.0.5", "fd00::1") or a CIDR range ("10.0.0.0/24"); never a host name (no DNS at start-up). */
    static boolean isAddressOrRange(String text) {
        if (text == null) {
            return false;
        }
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        boolean v4 = IPV4.matcher(address).matches();
        if (!v4 && !IPV6.matcher(address).matches()) {
            return false;
        }
        if (v4 && java.util.Arrays.stream(address.split("\\.")).anyMatch(octet -> Integer.parseInt(octet) > 255)) {
            return false;
        }
        try {
            InetAddress.getByName(address); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        String bits = text.substring(slash + 1);
        if (!bits.matches("\\d{1,3}")) {
            return false;
        }
        return Integer.parseInt(bits) <= (v4 ? 32 : 128);
    }

    static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "must not be empty");
        }
        return value;
    }
}
