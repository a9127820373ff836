package dev.ladder.plus4;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series names a PromQL expression reads, found by a small scan (strings, label matchers,
 * ranges, grouping clauses, functions and keywords left out) — enough for the expressions of the
 * dashboard and the rules, whose syntax promtool checks separately.
 */
final class PromQl {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");

    private PromQl() {
    }

    static Set<String> seriesNames(String expression) {
        String scanned = STRING.matcher(expression).replaceAll("\"\"");
        scanned = MATCHERS.matcher(scanned).replaceAll(" ");
        scanned = RANGE.matcher(scanned).replaceAll(" ");
        scanned = GROUPING.matcher(scanned).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = IDENTIFIER.matcher(scanned);
        while (matcher.find()) {
            String name = matcher.group(1);
            boolean function = matcher.group(2) != null;
            if (!function && !KEYWORDS.contains(name) && !name.matches("\\d.*")) {
                names.add(name);
            }
        }
        return names;
    }

    /** A recording rule's name (level:metric:operations) rather than a scraped series. */
    static boolean isRecorded(String name) {
        return name.contains(":");
    }
}
