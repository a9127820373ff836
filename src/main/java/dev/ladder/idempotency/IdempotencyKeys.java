package dev.ladder.idempotency;

import dev.ladder.db.SqlErrors;
import dev.ladder.http.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * Idempotency keys in the database, so they hold across nodes. A key is claimed (a row in state
 * pending, committed) before the request does any work: the primary key lets exactly one request
 * hold it, so concurrent duplicates produce one write and the others get 409
 * /problems/idempotency-in-progress until the first has finished. The first request's response
 * is then stored, and a retry with the same key and body gets it back without running again; with
 * another body it gets 422 /problems/idempotency-mismatch. A request that fails (4xx or 5xx)
 * releases its claim, having written nothing, so the retry runs for real.
 *
 * <p>If a node dies between its write and storing the response, the key stays pending: retries
 * get 409 until it expires (idempotency.ttl), never a second write.
 */
public final class IdempotencyKeys {
    /** What clients may send: 1-64 of letters, digits and ._:- (a UUID fits). */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final Jdbi jdbi;
    private final Duration ttl;
    private final Clock clock;

    public IdempotencyKeys(Jdbi jdbi, Duration ttl, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
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
            if (!"done".equals(stored.state())) {
                throw new ApiException(409, "idempotency-in-progress", "Request in progress",
                        "a request with this Idempotency-Key is still being processed; retry shortly");
            }
            return new Replay(new Response(stored.status(), stored.location(), stored.etag(), stored.contentType(), stored.body()));
        }
        throw new ApiException(409, "idempotency-in-progress", "Request in progress",
                "a request with this Idempotency-Key is changing hands; retry shortly");
    }

    /** Stores the claimed request's response, for its retries. */
    public void complete(Claim claim, Response response) {
        jdbi.useExtension(IdempotencyDao.class, dao -> dao.complete(claim.scope().endpoint(), claim.scope().callerId(), claim.key(),
                claim.claimedAt(), response.status(), response.location(), response.etag(), response.contentType(), response.body()));
    }

    /** Gives the claim up: the request wrote nothing, so a retry may run. */
    public void release(Claim claim) {
        jdbi.useExtension(IdempotencyDao.class, dao -> dao.release(claim.scope().endpoint(), claim.scope().callerId(), claim.key(),
                claim.claimedAt()));
    }

    /** Deletes up to limit expired keys; returns how many. */
    public int purgeExpired(int limit) {
        return jdbi.withExtension(IdempotencyDao.class, dao -> dao.deleteExpired(clock.millis(), limit));
    }
}
