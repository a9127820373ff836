package dev.ladder.db;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MariaDB replication position: at most one GTID (domain-server-sequence) per replication
 * domain, as {@code @@last_gtid} and {@code @@gtid_binlog_pos} give it and {@code MASTER_GTID_WAIT}
 * takes it. A replica has reached a position when, in every domain named, it has applied a
 * sequence number at least as high.
 *
 * <p>Parsing is strict and bounded, since positions come back from clients in a cookie: anything
 * that is not a well-formed list of at most {@value #MAX_DOMAINS} domains is no position at all.
 */
public record GtidPosition(List<Gtid> gtids) {
    static final int MAX_DOMAINS = 8;
    private static final int MAX_TEXT = 8 * 44;
    private static final Pattern GTID = Pattern.compile("(\\d{1,10})-(\\d{1,10})-(\\d{1,20})");

    /** One global transaction id; the numbers are unsigned (32, 32 and 64 bits). */
    public record Gtid(long domain, long server, long sequence) {
        @Override
        public String toString() {
            return domain + "-" + server + "-" + Long.toUnsignedString(sequence);
        }
    }

    public GtidPosition {
        gtids = List.copyOf(gtids);
    }

    /** A position as the server writes it: GTIDs separated by commas (white space ignored). Empty: none. */
    public static Optional<GtidPosition> parseServer(String text) {
        return text == null ? Optional.empty() : parse(text.replaceAll("\\s", ""), ",");
    }

    /** A position as {@link #toCookie()} wrote it; anything else, however malformed, is empty. */
    public static Optional<GtidPosition> parseCookie(String text) {
        return parse(text, ".");
    }

    private static Optional<GtidPosition> parse(String text, String separator) {
        if (text == null || text.isEmpty() || text.length() > MAX_TEXT) {
            return Optional.empty();
        }
        String[] parts = text.split(Pattern.quote(separator), -1);
        if (parts.length > MAX_DOMAINS) {
            return Optional.empty();
        }
        List<Gtid> gtids = new ArrayList<>();
        for (String part : parts) {
            Matcher matcher = GTID.matcher(part);
            if (!matcher.matches()) {
                return Optional.empty();
            }
            long domain = Long.parseLong(matcher.group(1));
            long server = Long.parseLong(matcher.group(2));
            long sequence;
            try {
                sequence = Long.parseUnsignedLong(matcher.group(3));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (domain > 0xFFFF_FFFFL || server > 0xFFFF_FFFFL) {
                return Optional.empty();
            }
            long duplicate = gtids.stream().filter(gtid -> gtid.domain() == domain).count();
            if (duplicate > 0) {
                return Optional.empty();
            }
            gtids.add(new Gtid(domain, server, sequence));
        }
        gtids.sort(Comparator.comparingLong(Gtid::domain));
        return Optional.of(new GtidPosition(gtids));
    }

    /**
     * The position that includes both: per domain the higher sequence number. Should the two name
     * more than {@value #MAX_DOMAINS} domains between them, other is kept alone (the newer write).
     */
    public GtidPosition merge(GtidPosition other) {
        List<Gtid> merged = new ArrayList<>(gtids);
        for (Gtid gtid : other.gtids) {
            int index = indexOf(merged, gtid.domain());
            if (index < 0) {
                merged.add(gtid);
            } else if (Long.compareUnsigned(gtid.sequence(), merged.get(index).sequence()) > 0) {
                merged.set(index, gtid);
            }
        }
        if (merged.size() > MAX_DOMAINS) {
            return other;
        }
        merged.sort(Comparator.comparingLong(Gtid::domain));
        return new GtidPosition(merged);
    }

    private static int indexOf(List<Gtid> gtids, long domain) {
        for (int i = 0; i < gtids.size(); i++) {
            if (gtids.get(i).domain() == domain) {
                return i;
            }
        }
        return -1;
    }

    /** As a cookie value: RFC 6265 forbids commas there, so GTIDs are separated by dots. */
    public String toCookie() {
        return String.join(".", gtids.stream().map(Gtid::toString).toList());
    }

    /** As MASTER_GTID_WAIT takes it. */
    @Override
    public String toString() {
        return String.join(",", gtids.stream().map(Gtid::toString).toList());
    }
}
