package dev.ladder.users;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import dev.ladder.config.Config;

/** Argon2id password hashes as PHC strings ($argon2id$v=19$m=...,t=...,p=...$salt$hash), via Password4j. */
public final class PasswordHasher {
    private static final int HASH_BYTES = 32;
    private final Argon2Function argon2;
    private volatile String dummyHash;

    public PasswordHasher(Config.Passwords config) {
        this.argon2 = Argon2Function.getInstance(config.argon2MemoryKib(), config.argon2Iterations(),
                config.argon2Parallelism(), HASH_BYTES, Argon2.ID);
    }

    public String hash(String password) {
        return Password.hash(password).addRandomSalt(16).with(argon2).getResult();
    }

    /** Checks against the stored hash, whose own parameters are used (older costs keep working). */
    public boolean matches(String password, String storedHash) {
        return Password.check(password, storedHash).with(Argon2Function.getInstanceFromHash(storedHash));
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
}
