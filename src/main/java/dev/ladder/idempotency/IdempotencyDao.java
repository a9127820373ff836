package dev.ladder.idempotency;

import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The idempotency_keys table (V3): claims, stored responses, expiry. */
@RegisterConstructorMapper(IdempotencyDao.StoredKey.class)
public interface IdempotencyDao {
    /** One row: a claim (state pending) or a stored first response (state done). */
    record StoredKey(String endpoint, long callerId, String idemKey, String requestHash, String state, Integer status,
                     String location, String etag, String contentType, String body, long createdAt, long expiresAt) {
    }

    /** Claims a key; a duplicate key error means someone holds it already. */
    @SqlUpdate("""
            INSERT INTO idempotency_keys (endpoint, caller_id, idem_key, request_hash, state, created_at, expires_at)
            VALUES (:endpoint, :callerId, :key, :requestHash, 'pending', :createdAt, :expiresAt)
            """)
    void claim(String endpoint, long callerId, String key, String requestHash, long createdAt, long expiresAt);

    @SqlQuery("""
            SELECT endpoint, caller_id, idem_key, request_hash, state, status, location, etag, content_type, body, created_at, expires_at
            FROM idempotency_keys WHERE endpoint = :endpoint AND caller_id = :callerId AND idem_key = :key
            """)
    Optional<StoredKey> find(String endpoint, long callerId, String key);

    /**
     * Stores the first response of a pending claim; returns rows changed (0: the claim was not ours any more).
     * Run inside the write's own transaction, this is also the fence: the write commits only with its answer,
     * and only while the claim it was made under is still the one on the row.
     */
    @SqlUpdate("""
            UPDATE idempotency_keys SET state = 'done', status = :status, location = :location, etag = :etag,
                content_type = :contentType, body = :body
            WHERE endpoint = :endpoint AND caller_id = :callerId AND idem_key = :key AND state = 'pending'
              AND created_at = :createdAt
            """)
    int complete(String endpoint, long callerId, String key, long createdAt, int status, String location, String etag,
                 String contentType, String body);

    /** Takes over a pending claim whose holder is presumed dead (compare-and-set on its created_at). */
    @SqlUpdate("""
            UPDATE idempotency_keys SET created_at = :createdAt
            WHERE endpoint = :endpoint AND caller_id = :callerId AND idem_key = :key AND state = 'pending'
              AND created_at = :heldSince
            """)
    int takeOver(String endpoint, long callerId, String key, long heldSince, long createdAt);

    /** Forgets a claim and its answer, in the transaction that undoes the write the answer described. */
    @SqlUpdate("""
            DELETE FROM idempotency_keys
            WHERE endpoint = :endpoint AND caller_id = :callerId AND idem_key = :key AND created_at = :createdAt
            """)
    int withdraw(String endpoint, long callerId, String key, long createdAt);

    /** Gives a pending claim up (the request failed and wrote nothing), so a retry may run. */
    @SqlUpdate("""
            DELETE FROM idempotency_keys
            WHERE endpoint = :endpoint AND caller_id = :callerId AND idem_key = :key AND state = 'pending' AND created_at = :createdAt
            """)
    int release(String endpoint, long callerId, String key, long createdAt);

    /** Forgets one key if it has expired, so it can be claimed afresh. */
    @SqlUpdate("""
            DELETE FROM idempotency_keys
            WHERE endpoint = :endpoint AND caller_id = :callerId AND idem_key = :key AND expires_at <= :now
            """)
    int deleteIfExpired(String endpoint, long callerId, String key, long now);

    @SqlUpdate("DELETE FROM idempotency_keys WHERE expires_at <= :now LIMIT :limit")
    int deleteExpired(long now, int limit);
}
