package dev.ladder.queue;

import dev.ladder.config.Config;
import dev.ladder.ids.IdGenerator;
import java.security.SecureRandom;
import java.sql.DatabaseMetaData;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded job queue: rows in the jobs table, so jobs survive restarts and any node on the
 * same database can take them (embedded and single-box). On MariaDB 10.6+ and MySQL 8 workers
 * claim with SELECT ... FOR UPDATE SKIP LOCKED, so they never queue behind each other; elsewhere
 * (H2) with a conditional UPDATE of the row's lease, of which only one racing claimer can win.
 */
public final class DatabaseJobQueue implements JobQueue {
    private static final Logger log = LoggerFactory.getLogger(DatabaseJobQueue.class);
    // MariaDB reports e.g. "10.11.6-MariaDB-0+deb12u1", or "5.5.5-10.11.6-MariaDB..." to old clients.
    private static final Pattern MARIADB_VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.\\d+-MariaDB");
    private static final int MAX_ERROR_CHARS = 500;

    private final Jdbi jdbi;
    private final String name;
    private final IdGenerator ids;
    private final Clock clock;
    private final Duration visibilityTimeout;
    private final Duration pollInterval;
    private volatile Boolean skipLocked; // found out on first use: the database may be down at start-up
    private final RandomGenerator leases = new SecureRandom();
    // Wakes this node's waiting receivers when this node enqueues; other nodes' jobs are found by polling.
    private final ReentrantLock arrivals = new ReentrantLock();
    private final Condition arrived = arrivals.newCondition();

    public DatabaseJobQueue(Jdbi jdbi, String name, IdGenerator ids, Config.Queue config, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.name = Objects.requireNonNull(name, "name");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.visibilityTimeout = config.visibilityTimeout();
        this.pollInterval = config.database().pollInterval();
    }

    /** Whether claims use FOR UPDATE SKIP LOCKED (else conditional lease updates). */
    boolean skipLocked() {
        Boolean known = skipLocked;
        if (known == null) {
            try {
                known = jdbi.withHandle(handle -> supportsSkipLocked(handle.getConnection().getMetaData()));
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("cannot tell which database holds the job queue: " + e.getMessage(), e);
            }
            log.info("Job queue {} in the database, claiming with {}", name, known ? "FOR UPDATE SKIP LOCKED" : "conditional lease updates");
            skipLocked = known;
        }
        return known;
    }

    static boolean supportsSkipLocked(DatabaseMetaData metaData) throws java.sql.SQLException {
        String product = metaData.getDatabaseProductName();
        String version = metaData.getDatabaseProductVersion();
        if (!"MySQL".equalsIgnoreCase(product) && !"MariaDB".equalsIgnoreCase(product)) {
            return false;
        }
        Matcher mariaDb = MARIADB_VERSION.matcher(version);
        if (mariaDb.find()) {
            int major = Integer.parseInt(mariaDb.group(1));
            int minor = Integer.parseInt(mariaDb.group(2));
            return major > 10 || (major == 10 && minor >= 6);
        }
        return metaData.getDatabaseMajorVersion() >= 8;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String enqueue(String payload) {
        JobQueue.checkPayload(payload);
        long id = ids.next();
        jdbi.useExtension(JobDao.class, dao -> dao.insert(id, name, payload, clock.millis()));
        arrivals.lock();
        try {
            arrived.signalAll();
        } finally {
            arrivals.unlock();
        }
        return Long.toString(id);
    }

    @Override
    public List<Job> receive(int max, Duration wait) throws InterruptedException {
        JobQueue.checkBatch(max);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<Job> claimed = claim(max);
            long remaining = deadline - System.nanoTime();
            if (!claimed.isEmpty() || remaining <= 0) {
                return claimed;
            }
            arrivals.lock();
            try {
                arrived.await(Math.min(remaining, pollInterval.toNanos()), TimeUnit.NANOSECONDS);
            } finally {
                arrivals.unlock();
            }
        }
    }

    private List<Job> claim(int max) {
        long now = clock.millis();
        long until = now + visibilityTimeout.toMillis();
        if (skipLocked()) {
            long lease = newLease();
            return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, handle -> {
                JobDao dao = handle.attach(JobDao.class);
                List<JobDao.JobRow> rows = dao.lockDeliverable(name, now, max);
                if (rows.isEmpty()) {
                    return List.of();
                }
                dao.claimLocked(rows.stream().map(JobDao.JobRow::id).toList(), lease, until);
                return rows.stream().map(row -> delivery(row, lease)).toList();
            });
        }
        return jdbi.withExtension(JobDao.class, dao -> {
            List<Job> claimed = new ArrayList<>();
            for (JobDao.JobRow row : dao.candidates(name, now, max)) {
                long mine = newLease();
                if (dao.claimIfUnchanged(row.id(), row.lease(), mine, now, until) == 1) {
                    claimed.add(delivery(row, mine));
                }
            }
            return claimed;
        });
    }

    private static Job delivery(JobDao.JobRow row, long lease) {
        return new Job(Long.toString(row.id()), row.payload(), row.attempts() + 1, Instant.ofEpochMilli(row.enqueuedAt()),
                row.id() + ":" + lease);
    }

    @Override
    public int complete(List<Job> jobs) {
        if (jobs.isEmpty()) {
            return 0;
        }
        List<Long> idList = new ArrayList<>();
        List<Long> leaseList = new ArrayList<>();
        for (Job job : jobs) {
            Receipt receipt = Receipt.parse(job);
            idList.add(receipt.id());
            leaseList.add(receipt.lease());
        }
        int[] counts = jdbi.withExtension(JobDao.class, dao -> dao.delete(idList, leaseList));
        int completed = 0;
        for (int count : counts) {
            completed += count > 0 ? 1 : 0;
        }
        return completed;
    }

    @Override
    public void retryLater(Job job, Duration delay, String reason) {
        Receipt receipt = Receipt.parse(job);
        long visibleAt = clock.millis() + delay.toMillis();
        jdbi.useExtension(JobDao.class, dao -> dao.release(receipt.id(), receipt.lease(), newLease(), visibleAt, truncate(reason)));
    }

    @Override
    public void deadLetter(Job job, String reason) {
        Receipt receipt = Receipt.parse(job);
        jdbi.useExtension(JobDao.class, dao -> dao.kill(receipt.id(), receipt.lease(), newLease(), clock.millis(), truncate(reason)));
    }

    @Override
    public QueueDepth depth() {
        long now = clock.millis();
        JobDao.DepthRow row = jdbi.withExtension(JobDao.class, dao -> dao.depth(name, now));
        Optional<Duration> oldest = Optional.ofNullable(row.oldestWaiting()).map(at -> Duration.ofMillis(Math.max(0, now - at)));
        return new QueueDepth(row.waiting(), row.inFlight(), row.dead(), oldest);
    }

    @Override
    public int purgeDeadLetters(Duration retention, int limit) {
        long before = clock.millis() - retention.toMillis();
        return jdbi.withExtension(JobDao.class, dao -> dao.purgeDead(name, before, limit));
    }

    private long newLease() {
        long lease;
        do {
            lease = leases.nextLong();
        } while (lease == 0); // 0 is the lease of a job nobody has claimed yet
        return lease;
    }

    private static String truncate(String reason) {
        if (reason == null) {
            return null;
        }
        return reason.length() <= MAX_ERROR_CHARS ? reason : reason.substring(0, MAX_ERROR_CHARS);
    }

    private record Receipt(long id, long lease) {
        static Receipt parse(Job job) {
            String receipt = job.receipt();
            int colon = receipt == null ? -1 : receipt.indexOf(':');
            try {
                return new Receipt(Long.parseLong(receipt.substring(0, colon)), Long.parseLong(receipt.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a receipt of this queue: " + receipt, e);
            }
        }
    }
}
