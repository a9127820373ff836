package dev.ladder.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate limit as people write it in config: "30/1m" is a burst of 30, refilled evenly over a
 * minute (one every 2 s). Parsed from and written back to that form.
 */
public record Rate(int capacity, Duration period) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})\\s*/\\s*(\\S+)");

    public Rate {
        if (capacity < 1) {
            throw new IllegalArgumentException("a rate needs a capacity of at least 1 (got " + capacity + ")");
        }
        if (period == null || period.compareTo(Duration.ofSeconds(1)) < 0 || period.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("a rate's period must be 1s-1d (got " + period + ")");
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Rate parse(String text) {
        Matcher matcher = FORM.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a rate (write e.g. 30/1m: 30 requests, refilled over a minute): \"" + text + "\"");
        }
        return new Rate(Integer.parseInt(matcher.group(1)), Durations.parse(matcher.group(2)));
    }

    @JsonValue
    @Override
    public String toString() {
        return capacity + "/" + Durations.format(period);
    }
}
