package dev.ladder.posts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ladder.db.SqlErrors;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit of plain posts ({@link GroupInsert}) on a real database: what arrives while groups
 * run shares one INSERT, every request answers only after its own row committed, and a bad row or
 * a broken connection fails exactly the requests it should. The inserts are held at a gate (a
 * statement customizer) so the groups form the same way on every run.
 */
abstract class GroupInsertContract {
    private static final AtomicLong NEXT_ID = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL);

    /** A database with the app's migrations applied; a fresh Jdbi per test. */
    abstract Jdbi jdbi();

    private Jdbi jdbi;
    private SimpleMeterRegistry metrics;
    private volatile CountDownLatch gate;
    private volatile SQLException failNext;

    @BeforeEach
    void holdInsertsAtTheGate() {
        jdbi = jdbi();
        metrics = new SimpleMeterRegistry();
        gate = new CountDownLatch(1);
        jdbi.getConfig(SqlStatements.class).addCustomizer(new StatementCustomizer() {
            @Override
            public void beforeExecution(PreparedStatement statement, StatementContext context) throws SQLException {
                if (!context.getRawSql().startsWith("INSERT INTO posts")) {
                    return;
                }
                try {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        throw new SQLException("the test's gate stayed shut");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException(e);
                }
                SQLException failure = failNext;
                if (failure != null) {
                    throw failure;
                }
            }
        });
    }

    private static Post post(long id) {
        long now = System.currentTimeMillis();
        return new Post(id, 1, "grouped", "post " + id, 1, now, now);
    }

    /** Runs inserts.insert for each post on its own virtual thread; the map collects what each threw. */
    private static List<Thread> start(GroupInsert inserts, List<Post> posts, Map<Long, Throwable> failures) {
        List<Thread> threads = new ArrayList<>();
        for (Post post : posts) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    inserts.insert(post);
                } catch (RuntimeException e) {
                    failures.put(post.id(), e);
                }
            }));
        }
        return threads;
    }

    private static List<Post> posts(int count) {
        List<Post> posts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            posts.add(post(NEXT_ID.incrementAndGet()));
        }
        return posts;
    }

    private DistributionSummary groups() {
        return metrics.get("ladder.posts.insert.group").summary();
    }

    private long stored(List<Post> posts) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM posts WHERE id IN (<ids>)")
                .bindList("ids", posts.stream().map(Post::id).toList()).mapTo(Long.class).one());
    }

    /** Two groups in flight at the gate, then `waiting` more queued behind them. */
    private List<Thread> twoRunningAndQueued(GroupInsert inserts, List<Post> first, List<Post> waiting, Map<Long, Throwable> failures) {
        long before = groups().count();
        List<Thread> threads = new ArrayList<>(start(inserts, first.subList(0, 1), failures));
        await().atMost(Duration.ofSeconds(10)).until(() -> groups().count() == before + 1);
        threads.addAll(start(inserts, first.subList(1, 2), failures));
        await().atMost(Duration.ofSeconds(10)).until(() -> groups().count() == before + 2);
        threads.addAll(start(inserts, waiting, failures));
        await().atMost(Duration.ofSeconds(10)).until(() -> inserts.queued() == waiting.size());
        return threads;
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofSeconds(30))).as("every insert returns").isTrue();
        }
    }

    @Test
    void whatArrivesWhileGroupsRunSharesOneInsertUpToTheLimit() throws InterruptedException {
        GroupInsert inserts = new GroupInsert(jdbi, 32, 2, metrics);
        Map<Long, Throwable> failures = new ConcurrentHashMap<>();
        List<Post> first = posts(2);
        List<Post> waiting = posts(50);
        List<Thread> threads = twoRunningAndQueued(inserts, first, waiting, failures);
        // Nothing has committed while the gate is shut: no request may have answered yet.
        assertThat(threads).allMatch(Thread::isAlive);
        assertThat(stored(waiting)).isZero();

        gate.countDown();
        join(threads);

        assertThat(failures).isEmpty();
        assertThat(stored(first)).isEqualTo(2);
        assertThat(stored(waiting)).isEqualTo(50);
        // 1 and 1 at the gate, then the 50 queued in groups of at most 32: 32 + 18.
        assertThat(groups().count()).isEqualTo(4);
        assertThat(groups().max()).isEqualTo(32);
        assertThat(groups().totalAmount()).isEqualTo(52);
    }

    @Test
    void aLonePostGoesAtOnce() {
        gate.countDown();
        GroupInsert inserts = new GroupInsert(jdbi, 32, 2, metrics);
        List<Post> one = posts(1);
        inserts.insert(one.getFirst());
        assertThat(stored(one)).isEqualTo(1);
        assertThat(groups().count()).isEqualTo(1);
        assertThat(inserts.queued()).isZero();
    }

    @Test
    void aRowTheDatabaseRefusesFailsOnlyItsOwnRequest() throws InterruptedException {
        GroupInsert inserts = new GroupInsert(jdbi, 32, 2, metrics);
        List<Post> taken = posts(1);
        Post duplicate = taken.getFirst();
        CountDownLatch shut = gate;
        gate = new CountDownLatch(0);
        inserts.insert(duplicate);
        gate = shut;

        Map<Long, Throwable> failures = new ConcurrentHashMap<>();
        List<Post> first = posts(2);
        List<Post> waiting = new ArrayList<>(posts(4));
        waiting.add(2, duplicate);
        List<Thread> threads = twoRunningAndQueued(inserts, first, waiting, failures);
        gate.countDown();
        join(threads);

        assertThat(failures).containsOnlyKeys(duplicate.id());
        assertThat(SqlErrors.isDuplicateKey(failures.get(duplicate.id()))).isTrue();
        assertThat(stored(first)).isEqualTo(2);
        assertThat(stored(waiting)).as("the four others and the first copy of the duplicate").isEqualTo(5);
    }

    @Test
    void aBrokenConnectionFailsTheWholeGroupAndNothingIsStored() throws InterruptedException {
        GroupInsert inserts = new GroupInsert(jdbi, 32, 2, metrics);
        Map<Long, Throwable> failures = new ConcurrentHashMap<>();
        List<Post> first = posts(2);
        List<Post> waiting = posts(5);
        List<Thread> threads = twoRunningAndQueued(inserts, first, waiting, failures);
        failNext = new SQLException("Communications link failure", "08S01");
        gate.countDown();
        join(threads);

        assertThat(failures).hasSize(7);
        assertThat(failures.values()).allMatch(SqlErrors::isUnavailable);
        assertThat(stored(first) + stored(waiting)).isZero();
        // The batcher is not left stuck: the next post goes through.
        failNext = null;
        List<Post> after = posts(1);
        inserts.insert(after.getFirst());
        assertThat(stored(after)).isEqualTo(1);
    }
}
