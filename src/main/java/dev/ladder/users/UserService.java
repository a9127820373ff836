package dev.ladder.users;

import dev.ladder.db.Freshness;
import dev.ladder.db.Reads;
import dev.ladder.db.SqlErrors;
import dev.ladder.http.ApiException;
import dev.ladder.idempotency.Answer;
import dev.ladder.ids.IdGenerator;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/** Sign-up and user look-up rules. */
public final class UserService {
    static final Pattern HANDLE = Pattern.compile("[a-z0-9_]{3,30}");
    // Deliberately loose: one @, something on each side, a dot in the domain, no spaces or controls.
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]+\\.[^@\\s\\p{Cntrl}]+");
    static final int PASSWORD_MIN = 8;
    static final int PASSWORD_MAX = 128;

    private final Jdbi jdbi;
    private final Reads reads;
    private final IdGenerator ids;
    private final PasswordHasher hasher;
    private final Clock clock;

    /** Every read on jdbi (no replicas). */
    public UserService(Jdbi jdbi, IdGenerator ids, PasswordHasher hasher, Clock clock) {
        this(jdbi, Reads.primaryOnly(jdbi), ids, hasher, clock);
    }

    public UserService(Jdbi jdbi, Reads reads, IdGenerator ids, PasswordHasher hasher, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public User signUp(String handle, String email, String password) {
        return signUp(handle, email, password, null);
    }

    /** The same, storing answer (an Idempotency-Key's first response) in the user's own transaction. */
    public User signUp(String handle, String email, String password, Answer<User> answer) {
        validateHandle(handle);
        if (email == null || email.length() > 254 || !EMAIL.matcher(email).matches()) {
            throw ApiException.invalid("email: must be an e-mail address of at most 254 characters");
        }
        validatePassword(password);
        User user = new User(ids.next(), handle, email, hasher.hash(password), clock.millis());
        try {
            if (answer != null && answer.isKeyed()) {
                jdbi.useTransaction(transaction -> {
                    transaction.attach(UserDao.class).insert(user);
                    answer.store(transaction, user);
                });
            } else {
                jdbi.useExtension(UserDao.class, dao -> dao.insert(user));
            }
        } catch (RuntimeException e) {
            if (SqlErrors.isDuplicateKey(e)) {
                throw ApiException.conflict("handle-taken", "handle \"" + handle + "\" is already taken");
            }
            throw e;
        }
        return user;
    }

    /** The user with this handle, as the primary has it (log-ins, sign-up checks). */
    public Optional<User> byHandle(String handle) {
        return byHandle(handle, Freshness.FRESH);
    }

    /** The user with this handle; MAY_BE_STALE for what is only shown (a profile, whose posts to list). */
    public Optional<User> byHandle(String handle, Freshness freshness) {
        if (handle == null || !HANDLE.matcher(handle).matches()) {
            return Optional.empty();
        }
        return reads.withExtension(freshness, UserDao.class, dao -> dao.findByHandle(handle));
    }

    /** The user whose handle and password these are, or empty; equally slow either way. */
    public Optional<User> authenticate(String handle, String password) {
        // Counted in code points, as at sign-up (100 emoji are 200 UTF-16 units but a valid password).
        if (password == null || password.codePointCount(0, password.length()) > PASSWORD_MAX) {
            return Optional.empty();
        }
        Optional<User> user = byHandle(handle);
        if (user.isEmpty()) {
            hasher.burnCheck(password);
            return Optional.empty();
        }
        return hasher.matches(password, user.get().passwordHash()) ? user : Optional.empty();
    }

    static void validateHandle(String handle) {
        if (handle == null || !HANDLE.matcher(handle).matches()) {
            throw ApiException.invalid("handle: must be 3-30 characters of a-z, 0-9 and _");
        }
    }

    static void validatePassword(String password) {
        if (password == null) {
            throw ApiException.invalid("password: is required");
        }
        int length = password.codePointCount(0, password.length());
        if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
            throw ApiException.invalid("password: must be " + PASSWORD_MIN + "-" + PASSWORD_MAX + " characters");
        }
    }
}
