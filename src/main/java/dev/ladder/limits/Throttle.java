package dev.ladder.limits;

import dev.ladder.config.Config;
import dev.ladder.config.Durations;
import dev.ladder.config.Rate;
import dev.ladder.http.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import redis.clients.jedis.UnifiedJedis;

/**
 * The rate limits of the things an abuser would repeat: logging in, signing up, writing. A refusal
 * is 429 /problems/rate-limited with Retry-After. Addresses are the client's as Jetty resolved
 * it; an IPv6 client is limited by its /64, since one host commonly holds a whole /64.
 */
public final class Throttle {
    private static final Pattern HANDLE = Pattern.compile("[a-z0-9_]{1,30}");

    private final Config.RateLimits config;
    private final RateLimiter limiter;

    public Throttle(Config.RateLimits config, RateLimiter limiter) {
        this.config = Objects.requireNonNull(config, "config");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
    }

    /** In process, bounded to 100,000 buckets. */
    public static Throttle inProcess(Config.RateLimits config) {
        return new Throttle(config, inProcessLimiter());
    }

    /**
     * In Redis, shared by every node; while Redis fails, this node's in-process buckets answer
     * instead (see {@link RedisRateLimiter}), and a failing Redis is left alone for 5 s at a time.
     */
    public static Throttle shared(Config.RateLimits config, UnifiedJedis redis, MeterRegistry metrics) {
        return new Throttle(config, new RedisRateLimiter(redis, inProcessLimiter(), Duration.ofSeconds(5), metrics));
    }

    private static RateLimiter inProcessLimiter() {
        return new InProcessRateLimiter(100_000, Duration.ofDays(1));
    }

    public void signUp(String address) {
        if (config.enabled()) {
            take("signup-ip:" + subnet(address), config.signUp().perIp(), "sign-ups from your address");
        }
    }

    /** userId: 0 for a caller not logged in (who is about to get 401), limited by address alone. */
    public void write(String address, long userId) {
        if (config.enabled()) {
            take("write-ip:" + subnet(address), config.writes().perIp(), "changes from your address");
            if (userId != 0) {
                take("write-user:" + userId, config.writes().perAccount(), "changes by your account");
            }
        }
    }

    /**
     * Before a password is checked: one attempt from this address, and one failure charged in
     * advance to the account (from this address, and from anywhere), handed back by
     * {@link LoginAttempt#giveBack()} unless the password turns out wrong. Guessing is slowed per account while the real user's
     * successful logins never count, and the user's own address has its own bucket.
     */
    public LoginAttempt logIn(String handle, String address) {
        if (!config.enabled()) {
            return LoginAttempt.NONE;
        }
        String account = handle != null && HANDLE.matcher(handle).matches() ? handle : "(invalid)";
        String ip = subnet(address);
        Config.RateLimits.Login login = config.login();
        take("login-ip:" + ip, login.perIp(), "log-in attempts from your address");
        String accountFromIp = "login-account-ip:" + account + "|" + ip;
        take(accountFromIp, login.perAccountAndIp(), "failed log-ins to this account from your address");
        String anywhere = "login-account:" + account;
        try {
            take(anywhere, login.perAccount(), "failed log-ins to this account");
        } catch (ApiException e) {
            limiter.giveBack(accountFromIp, login.perAccountAndIp());
            throw e;
        }
        return () -> {
            limiter.giveBack(accountFromIp, login.perAccountAndIp());
            limiter.giveBack(anywhere, login.perAccount());
        };
    }

    /** A login in progress: give its charge back unless the password was wrong. */
    @FunctionalInterface
    public interface LoginAttempt {
        LoginAttempt NONE = () -> { };

        void giveBack();
    }

    private void take(String key, Rate rate, String what) {
        Optional<Duration> wait = limiter.tryTake(key, rate);
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            throw ApiException.rateLimited("too many " + what + ": at most " + rate.capacity() + " per "
                    + Durations.format(rate.period()) + "; retry in " + seconds + " s", seconds);
        }
    }

    /** The address, or its /64 for IPv6. */
    static String subnet(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return String.valueOf(address);
        }
        try {
            byte[] bytes = InetAddress.ofLiteral(address).getAddress();
            if (bytes.length == 16) {
                return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
            }
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (IllegalArgumentException | UnknownHostException e) {
            return address;
        }
    }
}
