package dev.ladder.photos;

import dev.ladder.storage.ObjectKey;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The outbox of object writes and deletes (table pending_objects): an object that may end up with
 * no row to own it is recorded before it is written (or before its row is deleted), and the
 * record removed once the work is complete. Whatever a failure or a killed node leaves in
 * between, {@link PhotoService#sweepPendingObjects} finds once the record is due and deletes the
 * object unless a photo row refers to it. So every path either finishes or leaves a record.
 */
final class PendingObjects {
    private final Jdbi jdbi;
    private final Clock clock;

    PendingObjects(Jdbi jdbi, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    record Pending(long id, String objectKey, long dueAt) {
        ObjectKey key() {
            return new ObjectKey(objectKey);
        }
    }

    @RegisterConstructorMapper(Pending.class)
    interface Dao {
        @SqlUpdate("INSERT INTO pending_objects (id, object_key, due_at) VALUES (:id, :key, :dueAt)")
        void insert(long id, String key, long dueAt);

        @SqlUpdate("DELETE FROM pending_objects WHERE id = :id")
        int delete(long id);

        @SqlUpdate("UPDATE pending_objects SET due_at = :dueAt WHERE id = :id")
        int postpone(long id, long dueAt);

        @SqlQuery("SELECT id, object_key, due_at FROM pending_objects WHERE due_at <= :now ORDER BY due_at LIMIT :limit")
        List<Pending> due(long now, int limit);
    }

    /** Records key, to be checked once afterMillis have passed; returns the record's id. */
    long record(ObjectKey key, long afterMillis) {
        return jdbi.withHandle(handle -> record(handle, key, afterMillis));
    }

    /** The same inside the caller's transaction. */
    long record(Handle handle, ObjectKey key, long afterMillis) {
        // Random ids: records are few and short-lived, and the worker that writes some has no id generator.
        long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        handle.attach(Dao.class).insert(id, key.value(), clock.millis() + afterMillis);
        return id;
    }

    /** The work is complete: the object is owned by its row (or gone with it). */
    void done(long id) {
        jdbi.useExtension(Dao.class, dao -> dao.delete(id));
    }

    void done(Handle handle, long id) {
        handle.attach(Dao.class).delete(id);
    }

    void postpone(long id, long afterMillis) {
        jdbi.useExtension(Dao.class, dao -> dao.postpone(id, clock.millis() + afterMillis));
    }

    List<Pending> due(int limit) {
        return jdbi.withExtension(Dao.class, dao -> dao.due(clock.millis(), limit));
    }
}
