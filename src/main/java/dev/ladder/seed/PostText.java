package dev.ladder.seed;

import java.util.random.RandomGenerator;

/**
 * Random post text: lower-case words and spaces, ASCII only (so characters are bytes), of a
 * length drawn uniformly between a minimum and a maximum. Text rather than random bytes so
 * that what the database and the wire carry compresses and indexes like real posts.
 */
public final class PostText {
    private static final String[] WORDS = ("the of and to in is you that it he was for on are as with his they at be this "
            + "have from or one had by word but not what all were we when your can said there use an each which she "
            + "do how their if will up other about out many then them these so some her would make like him into time "
            + "has look two more write go see number no way could people my than first water been call who oil its now "
            + "find long down day did get come made may part ladder climb rung stage scale cache replica shard queue "
            + "node primary standby failover latency throughput bottleneck profile benchmark database index page post "
            + "timeline photo thumbnail worker balance region zone cluster metric alert deploy rollback").split(" ");

    private final int minBytes;
    private final int maxBytes;

    public PostText(int minBytes, int maxBytes) {
        if (minBytes < 1 || maxBytes < minBytes) {
            throw new IllegalArgumentException("need 1 <= minBytes <= maxBytes, got " + minBytes + ", " + maxBytes);
        }
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
    }

    public String next(RandomGenerator random) {
        int length = minBytes + random.nextInt(maxBytes - minBytes + 1);
        StringBuilder text = new StringBuilder(length + 16);
        while (text.length() < length) {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(WORDS[random.nextInt(WORDS.length)]);
        }
        text.setLength(length);
        // A post never ends in a space: trailing blanks look like padding to a reader.
        if (text.charAt(length - 1) == ' ') {
            text.setCharAt(length - 1, '.');
        }
        return text.toString();
    }
}
