package dev.ladder.queue;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The jobs table. A job is claimed by changing its lease (a random number) and pushing its
 * visible_at past the visibility timeout; every later change names the lease it holds, so a
 * worker whose hold lapsed changes nothing.
 */
@RegisterConstructorMapper(JobDao.JobRow.class)
interface JobDao {
    String WAITING = "waiting";
    String DEAD = "dead";

    record JobRow(long id, String payload, int attempts, long lease, long enqueuedAt) {
    }

    record DepthRow(long waiting, long inFlight, long dead, Long oldestWaiting) {
    }

    @SqlUpdate("""
            INSERT INTO jobs (id, queue, payload, state, attempts, visible_at, lease, enqueued_at)
            VALUES (:id, :queue, :payload, 'waiting', 0, :now, 0, :now)
            """)
    void insert(long id, String queue, String payload, long now);

    /** Candidates to claim, read without locks; claimIfUnchanged decides who gets each. */
    @SqlQuery("""
            SELECT id, payload, attempts, lease, enqueued_at FROM jobs
            WHERE queue = :queue AND state = 'waiting' AND visible_at <= :now
            ORDER BY visible_at, id LIMIT :limit
            """)
    List<JobRow> candidates(String queue, long now, int limit);

    /** Claims one job if nobody changed it since it was read: of racing claimers, one sees 1 row. */
    @SqlUpdate("""
            UPDATE jobs SET lease = :newLease, attempts = attempts + 1, visible_at = :until
            WHERE id = :id AND lease = :oldLease AND state = 'waiting' AND visible_at <= :now
            """)
    int claimIfUnchanged(long id, long oldLease, long newLease, long now, long until);

    /** Deliverable jobs, locked, skipping those another transaction has locked (MariaDB 10.6+, MySQL 8). */
    @SqlQuery("""
            SELECT id, payload, attempts, lease, enqueued_at FROM jobs
            WHERE queue = :queue AND state = 'waiting' AND visible_at <= :now
            ORDER BY visible_at, id LIMIT :limit
            FOR UPDATE SKIP LOCKED
            """)
    List<JobRow> lockDeliverable(String queue, long now, int limit);

    @SqlUpdate("UPDATE jobs SET lease = :newLease, attempts = attempts + 1, visible_at = :until WHERE id IN (<ids>)")
    int claimLocked(@BindList("ids") List<Long> ids, long newLease, long until);

    @SqlBatch("DELETE FROM jobs WHERE id = :id AND lease = :lease AND state = 'waiting'")
    int[] delete(List<Long> id, List<Long> lease);

    @SqlUpdate("""
            UPDATE jobs SET visible_at = :visibleAt, lease = :newLease, last_error = :error
            WHERE id = :id AND lease = :lease AND state = 'waiting'
            """)
    int release(long id, long lease, long newLease, long visibleAt, String error);

    @SqlUpdate("""
            UPDATE jobs SET state = 'dead', lease = :newLease, last_error = :error, visible_at = :now
            WHERE id = :id AND lease = :lease AND state = 'waiting'
            """)
    int kill(long id, long lease, long newLease, long now, String error);

    @SqlQuery("""
            SELECT
              COALESCE(SUM(CASE WHEN state = 'waiting' AND visible_at <= :now THEN 1 ELSE 0 END), 0) AS waiting,
              COALESCE(SUM(CASE WHEN state = 'waiting' AND visible_at > :now THEN 1 ELSE 0 END), 0) AS in_flight,
              COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) AS dead,
              MIN(CASE WHEN state = 'waiting' AND visible_at <= :now THEN enqueued_at END) AS oldest_waiting
            FROM jobs WHERE queue = :queue
            """)
    @RegisterConstructorMapper(DepthRow.class)
    DepthRow depth(String queue, long now);

    @SqlUpdate("DELETE FROM jobs WHERE queue = :queue AND state = 'dead' AND visible_at < :before LIMIT :limit")
    int purgeDead(String queue, long before, int limit);
}
