package dev.ladder.users;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import dev.ladder.config.Config;
import dev.ladder.http.ApiException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import java.util.function.Supplier;

/**
 * Argon2id password hashes as PHC strings ($argon2id$v=19$m=...,t=...,p=...$salt$hash), via Password4j.
 * Every hash or check passes a bulkhead: at most passwords.maxConcurrentHashes run at once, each
 * taking its Argon2 memory and a whole core; one that cannot start within passwords.hashWait is
 * refused with 503 busy, so a flood of logins is turned away cheaply instead of queueing forever.
 */
public final class PasswordHasher {
    private static final int HASH_BYTES = 32;
    private final Argon2Function argon2;
    private final Bulkhead bulkhead;
    private volatile String dummyHash;

    public PasswordHasher(Config.Passwords config) {
        this.argon2 = Argon2Function.getInstance(config.argon2MemoryKib(), config.argon2Iterations(),
                config.argon2Parallelism(), HASH_BYTES, Argon2.ID);
        this.bulkhead = Bulkhead.of("password-hashes", BulkheadConfig.custom()
                .maxConcurrentCalls(config.maxConcurrentHashes())
                .maxWaitDuration(config.hashWait())
                .fairCallHandlingStrategyEnabled(true)
                .build());
    }

    public String hash(String password) {
        return bounded(() -> Password.hash(password).addRandomSalt(16).with(argon2).getResult());
    }

    /** Checks against the stored hash, whose own parameters are used (older costs keep working). */
    public boolean matches(String password, String storedHash) {
        return bounded(() -> Password.check(password, storedHash).with(Argon2Function.getInstanceFromHash(storedHash)));
    }

    /** Spends the time of one check without a user, so "no such user" and "wrong password" look alike. */
    public void burnCheck(String password) {
        String dummy = dummyHash;
        if (dummy == null) {
            dummy = hash("a password nobody has"); // made on first use: start-up need not pay for it
            dummyHash = dummy;
        }
        matches(password, dummy);
    }

    private <T> T bounded(Supplier<T> work) {
        try {
            return bulkhead.executeSupplier(work);
        } catch (BulkheadFullException e) {
            throw ApiException.busy("Too many logins in progress",
                    "this server is checking as many passwords as it can; retry shortly");
        }
    }
}
