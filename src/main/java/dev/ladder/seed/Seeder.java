package dev.ladder.seed;

import dev.ladder.ids.IdGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Fills a database with benchmark data, fast and repeatably.
 *
 * <ul>
 *   <li>Users are {@code seed_0000001} .. {@code seed_N} ({@link #handle(int)}), all with the one
 *       password {@link #PASSWORD}, hashed once (Argon2id is meant to be slow; hashing a million
 *       times would be all the seeding time).</li>
 *   <li>Posts are 800-1024 bytes of random text. Their authors follow Zipf's law over the users:
 *       seed_0000001 writes the most, as a few prolific users do.</li>
 *   <li>Everything goes in batches, one transaction each (a PreparedBatch, which Connector/J
 *       rewrites into multi-row INSERTs on single-box).</li>
 *   <li>Re-running is safe: users that exist are skipped, and only the posts missing to reach
 *       the target count are written (seeded posts are told apart by the node id in their ids,
 *       so posts that load tests write as seeded users do not count). Post i's author and text depend only on the random seed
 *       and i, so the same command gives the same data set (ids and times aside).</li>
 * </ul>
 */
public final class Seeder {
    /** The password of every seeded user (documented in BENCHMARKS.md; load plans log in with it). */
    public static final String PASSWORD = "ladder-seed-password";
    public static final String HANDLE_PREFIX = "seed_";
    /** Handles are [a-z0-9_], so every seeded handle sorts in [HANDLE_PREFIX, HANDLE_UPPER). */
    private static final String HANDLE_UPPER = "seed`";
    private static final int MIN_BODY_BYTES = 800;
    private static final int MAX_BODY_BYTES = 1024;
    /** Mixes the post number into the random seed (the golden-ratio constant of SplitMix64). */
    private static final long POST_STRIDE = 0x9E3779B97F4A7C15L;

    private final Jdbi jdbi;
    private final IdGenerator ids;
    private final Clock clock;
    private final PrintStream progressOut;
    private final int idNode;

    public Seeder(Jdbi jdbi, IdGenerator ids, Clock clock, PrintStream progressOut) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.idNode = IdGenerator.nodeOf(ids.next());
        this.clock = Objects.requireNonNull(clock, "clock");
        this.progressOut = Objects.requireNonNull(progressOut, "progressOut");
    }

    /** What to seed. */
    public record Plan(int users, long posts, double zipfExponent, int batchSize, long randomSeed) {
        public Plan {
            if (users < 1 || users > Zipf.MAX_RANKS) {
                throw new IllegalArgumentException("users must be 1-" + Zipf.MAX_RANKS + ", got " + users);
            }
            if (posts < 0 || posts > 1_000_000_000L) {
                throw new IllegalArgumentException("posts must be 0-1000000000, got " + posts);
            }
            // A batch becomes one multi-row INSERT, prepared on the server (useServerPrepStmts),
            // which takes at most 65,535 parameters: 5,000 posts of 7 each stay well inside.
            if (batchSize < 1 || batchSize > 5_000) {
                throw new IllegalArgumentException("batch size must be 1-5000, got " + batchSize);
            }
        }
    }

    /** What a run did: how many rows it found and wrote, and how long each part took. */
    public record Result(int usersFound, int usersWritten, long postsFound, long postsWritten,
                         Duration usersTime, Duration postsTime) {
        public double postsPerSecond() {
            double seconds = postsTime.toNanos() / 1e9;
            return seconds > 0 ? postsWritten / seconds : 0;
        }
    }

    public static String handle(int number) {
        return String.format("%s%07d", HANDLE_PREFIX, number);
    }

    /** Seeds users then posts; passwordHash is the one stored hash of {@link #PASSWORD}. */
    public Result seed(Plan plan, String passwordHash) {
        long started = System.nanoTime();
        Map<String, Long> existing = seededUsers();
        long[] authorIds = new long[plan.users() + 1]; // by user number; [0] unused
        int written = 0;
        try (ProgressBar bar = bar("users", plan.users())) {
            bar.stepTo(0);
            int number = 1;
            while (number <= plan.users()) {
                int from = number;
                int to = Math.min(plan.users(), from + plan.batchSize() - 1);
                written += jdbi.inTransaction(handle -> insertUsers(handle, from, to, existing, authorIds, passwordHash));
                bar.stepTo(to);
                number = to + 1;
            }
        }
        Duration usersTime = Duration.ofNanos(System.nanoTime() - started);

        long postsStarted = System.nanoTime();
        long found = countSeededPosts();
        long missing = Math.max(0, plan.posts() - found);
        if (missing > 0) {
            Zipf authors = new Zipf(plan.users(), plan.zipfExponent());
            PostText text = new PostText(MIN_BODY_BYTES, MAX_BODY_BYTES);
            try (ProgressBar bar = bar("posts", plan.posts())) {
                bar.stepTo(found);
                long next = found + 1;
                while (next <= plan.posts()) {
                    long from = next;
                    long to = Math.min(plan.posts(), from + plan.batchSize() - 1);
                    jdbi.useTransaction(handle -> insertPosts(handle, from, to, plan.randomSeed(), authors, text, authorIds));
                    bar.stepTo(to);
                    next = to + 1;
                }
            }
        }
        return new Result(existing.size(), written, found, missing, usersTime,
                Duration.ofNanos(System.nanoTime() - postsStarted));
    }

    private int insertUsers(Handle handle, int from, int to, Map<String, Long> existing, long[] authorIds, String passwordHash) {
        long now = clock.millis();
        PreparedBatch batch = handle.prepareBatch("""
                INSERT INTO users (id, handle, email, password_hash, created_at)
                VALUES (:id, :handle, :email, :passwordHash, :createdAt)
                """);
        int added = 0;
        for (int number = from; number <= to; number++) {
            String name = handle(number);
            Long id = existing.get(name);
            if (id == null) {
                id = ids.next();
                batch.bind("id", id).bind("handle", name).bind("email", name + "@seed.invalid")
                        .bind("passwordHash", passwordHash).bind("createdAt", now).add();
                added++;
            }
            authorIds[number] = id;
        }
        if (added > 0) {
            batch.execute();
        }
        return added;
    }

    private void insertPosts(Handle handle, long from, long to, long randomSeed, Zipf authors, PostText text, long[] authorIds) {
        PreparedBatch batch = handle.prepareBatch("""
                INSERT INTO posts (id, author_id, author_handle, body, version, created_at, updated_at)
                VALUES (:id, :authorId, :authorHandle, :body, 1, :createdAt, :createdAt)
                """);
        for (long number = from; number <= to; number++) {
            SplittableRandom random = new SplittableRandom(randomSeed + number * POST_STRIDE);
            int author = authors.sample(random);
            long id = ids.next();
            batch.bind("id", id)
                    .bind("authorId", authorIds[author])
                    .bind("authorHandle", handle(author))
                    .bind("body", text.next(random))
                    .bind("createdAt", IdGenerator.timeOf(id).toEpochMilli())
                    .add();
        }
        batch.execute();
    }

    private Map<String, Long> seededUsers() {
        Map<String, Long> found = new HashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("SELECT handle, id FROM users WHERE handle >= :low AND handle < :high")
                .bind("low", HANDLE_PREFIX).bind("high", HANDLE_UPPER)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(entry -> found.put(entry.getKey(), entry.getValue())));
        return found;
    }

    /**
     * Posts the seeder wrote: their ids carry its node id ({@code idNode}), so the posts that load
     * plans write as seeded users (through a server, with the server's node id) do not count.
     */
    public long countSeededPosts() {
        // Node bits are bits 12-21 of an id: id mod 2^22 lies in [node * 2^12, (node + 1) * 2^12).
        long nodeLow = (long) idNode << 12;
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT COUNT(*) FROM posts WHERE MOD(id, 4194304) >= :low AND MOD(id, 4194304) < :high")
                .bind("low", nodeLow).bind("high", nodeLow + 4096)
                .mapTo(Long.class).one());
    }

    /**
     * Writes the ids of the newest {@code count} posts, newest first, one per line: the ranks a
     * load plan's Zipf choice draws from (line 1 is the hottest post). Returns how many it wrote.
     */
    public int writeHotIds(Path file, int count) {
        List<Long> newest = jdbi.withHandle(handle -> handle.createQuery("SELECT id FROM posts ORDER BY id DESC LIMIT :count")
                .bind("count", count).mapTo(Long.class).list());
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
                for (long id : newest) {
                    out.write(Long.toString(id));
                    out.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return newest.size();
    }

    private ProgressBar bar(String task, long max) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" rows", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(progressOut, 100))
                .build();
    }
}
