package dev.ladder.idempotency;

import dev.ladder.db.SqlErrors;
import dev.ladder.http.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Idempotency keys in the database, so they hold across nodes. A key is claimed (a row in state
 * pending, committed) before the request does any work: the primary key lets exactly one request
 * hold it, so concurrent duplicates produce one write and the others get 409
 * /problems/idempotency-in-progress until the first has finished. A retry with the same key and
 * body gets the stored first response back without running again; with another body it gets 422
 * /problems/idempotency-mismatch.
 *
 * <p>The answer is stored <em>in the write's own transaction</em> ({@link #storeIn}), by an update
 * that only matches while the claim is still the one the request holds. So the write and its
 * answer commit together or not at all, whatever dies when: a retry either finds the answer
 * (replay) or finds no write (run it). A request that fails before its write commits releases its
 * claim ({@link #release}, which never touches a stored answer: a 5xx after the commit leaves the
 * key answered). A claim whose holder died (database or node gone before it could release) is
 * taken over by a retry once it is older than claimTimeout; if the old holder was merely slow, its
 * write then fails the fence and rolls back, so there is still one write.
 */
public final class IdempotencyKeys {
    /** What clients may send: 1-64 of letters, digits and ._:- (a UUID fits). */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** How long a claim may stay pending before a retry presumes its holder dead, when not configured. */
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofSeconds(30);

    private final Jdbi jdbi;
    private final Duration ttl;
    private final Duration claimTimeout;
    private final Clock clock;

    public IdempotencyKeys(Jdbi jdbi, Duration ttl, Clock clock) {
        this(jdbi, ttl, DEFAULT_CLAIM_TIMEOUT, clock);
    }

    /** claimTimeout: a pending claim older than this may be taken over by a retry (its holder is presumed dead). */
    public IdempotencyKeys(Jdbi jdbi, Duration ttl, Duration claimTimeout, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.claimTimeout = Objects.requireNonNull(claimTimeout, "claimTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Who a key belongs to: an endpoint and a caller (a user id; 0 where there is no user yet, as for sign-up). */
    public record Scope(String endpoint, long callerId) {
    }

    /** A held claim: the request runs, then {@link #complete} or {@link #release} it. */
    public record Claim(Scope scope, String key, long claimedAt) {
    }

    /** A stored first response, to send again. */
    public record Response(int status, String location, String etag, String contentType, String body) {
    }

    /** Either the claim is ours (run the request) or the first response is there to replay. */
    public sealed interface Outcome {
    }

    public record Claimed(Claim claim) implements Outcome {
    }

    public record Replay(Response response) implements Outcome {
    }

    /** A bad key is a 400 before anything else happens. */
    public static String validKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new ApiException(400, "invalid-idempotency-key", "Invalid Idempotency-Key",
                    "Idempotency-Key must be 1-64 characters of A-Z, a-z, 0-9 and ._:- (a UUID, say)");
        }
        return key;
    }

    /** Claims key for this request (whose body hashes to requestHash), or answers what a retry gets. */
    public Outcome claim(Scope scope, String key, String requestHash) {
        validKey(key);
        for (int attempt = 0; attempt < 3; attempt++) {
            long now = clock.millis();
            try {
                jdbi.useExtension(IdempotencyDao.class, dao -> dao.claim(scope.endpoint(), scope.callerId(), key, requestHash,
                        now, now + ttl.toMillis()));
                return new Claimed(new Claim(scope, key, now));
            } catch (RuntimeException e) {
                if (!SqlErrors.isDuplicateKey(e)) {
                    throw e;
                }
            }
            Optional<IdempotencyDao.StoredKey> held = jdbi.withExtension(IdempotencyDao.class,
                    dao -> dao.find(scope.endpoint(), scope.callerId(), key));
            if (held.isEmpty()) {
                continue; // released meanwhile: try again
            }
            IdempotencyDao.StoredKey stored = held.get();
            if (stored.expiresAt() <= now) {
                jdbi.useExtension(IdempotencyDao.class, dao -> dao.deleteIfExpired(scope.endpoint(), scope.callerId(), key, now));
                continue;
            }
            if (!stored.requestHash().equals(requestHash)) {
                throw new ApiException(422, "idempotency-mismatch", "Idempotency-Key reused",
                        "this Idempotency-Key was used with a different request body; use a new key for a new request");
            }
            if (!"done".equals(stored.state()) && stored.createdAt() + claimTimeout.toMillis() <= now) {
                // Its holder is presumed dead: take the claim over. The token (created_at) changes, so a holder
                // that was only slow can no longer store an answer, and its write rolls back with the failed fence.
                long token = Math.max(now, stored.createdAt() + 1);
                int taken = jdbi.withExtension(IdempotencyDao.class, dao -> dao.takeOver(scope.endpoint(), scope.callerId(), key,
                        stored.createdAt(), token));
                if (taken == 1) {
                    return new Claimed(new Claim(scope, key, token));
                }
                continue; // someone else took it or finished it meanwhile: look again
            }
            if (!"done".equals(stored.state())) {
                throw new ApiException(409, "idempotency-in-progress", "Request in progress",
                        "a request with this Idempotency-Key is still being processed; retry shortly");
            }
            return new Replay(new Response(stored.status(), stored.location(), stored.etag(), stored.contentType(), stored.body()));
        }
        throw new ApiException(409, "idempotency-in-progress", "Request in progress",
                "a request with this Idempotency-Key is changing hands; retry shortly");
    }

    /**
     * Stores the claimed request's response inside the write's transaction (handle): the write commits
     * with its answer or not at all. If the claim is no longer ours (taken over after claimTimeout),
     * this throws a 409, which rolls the write back.
     */
    public void storeIn(Handle handle, Claim claim, Response response) {
        int stored = handle.attach(IdempotencyDao.class).complete(claim.scope().endpoint(), claim.scope().callerId(), claim.key(),
                claim.claimedAt(), response.status(), response.location(), response.etag(), response.contentType(), response.body());
        if (stored != 1) {
            throw new ApiException(409, "idempotency-in-progress", "Request in progress",
                    "another request took this Idempotency-Key over; retry to get its answer");
        }
    }

    /** In the transaction that undoes a write: forgets the claim and the answer stored with the write. */
    public void withdrawIn(Handle handle, Claim claim) {
        handle.attach(IdempotencyDao.class).withdraw(claim.scope().endpoint(), claim.scope().callerId(), claim.key(), claim.claimedAt());
    }

    /** Stores the claimed request's response after the fact (0 rows when the write's transaction already did). */
    public void complete(Claim claim, Response response) {
        jdbi.useExtension(IdempotencyDao.class, dao -> dao.complete(claim.scope().endpoint(), claim.scope().callerId(), claim.key(),
                claim.claimedAt(), response.status(), response.location(), response.etag(), response.contentType(), response.body()));
    }

    /**
     * Gives the claim up: the request failed. Only a claim still pending is deleted, so if the write
     * committed (its answer with it) and the request failed afterwards, the answer stays for the retry.
     */
    public void release(Claim claim) {
        jdbi.useExtension(IdempotencyDao.class, dao -> dao.release(claim.scope().endpoint(), claim.scope().callerId(), claim.key(),
                claim.claimedAt()));
    }

    /** Deletes up to limit expired keys; returns how many. */
    public int purgeExpired(int limit) {
        return jdbi.withExtension(IdempotencyDao.class, dao -> dao.deleteExpired(clock.millis(), limit));
    }
}
