package dev.ladder.errors;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.ladder.config.Config;
import io.sentry.Sentry;
import io.sentry.SentryOptions;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Error reporting through Sentry's Java SDK, on when errors.sentryDsn is set: the SDK is initialised
 * with the node's name, the environment and the jar's version, and {@link SentryLogAppender} sends
 * every ERROR the node logs (the API's unhandled 5xx among them) with its request id. The SDK sends
 * from its own bounded queue on its own thread, so a slow or dead Sentry never holds up a request;
 * {@link #close()} flushes what is queued (bounded by a timeout) and closes the SDK.
 *
 * <p>Sentry's SDK is one per JVM (static): one node per process, as in production.
 */
public final class ErrorReporting implements AutoCloseable {
    /** Tag that carries the request id (the MDC key of the same name), searchable in Sentry. */
    public static final String REQUEST_ID_TAG = "requestId";
    private static final long FLUSH_MILLIS = 2_000;
    private static final int MAX_QUEUED_EVENTS = 100;

    private final SentryLogAppender appender;

    private ErrorReporting(SentryLogAppender appender) {
        this.appender = appender;
    }

    /** Off (nothing started) without a DSN; else the SDK and the log appender. */
    public static ErrorReporting start(Config.Errors errors, String nodeName, String profile) {
        if (!errors.enabled()) {
            return new ErrorReporting(null);
        }
        Sentry.init((SentryOptions options) -> {
            options.setDsn(errors.sentryDsn());
            options.setEnvironment(errors.environment().isEmpty() ? profile : errors.environment());
            options.setRelease("ladder@" + version());
            options.setServerName(nodeName);
            options.setSampleRate(errors.sampleRate());
            // No user data: addresses, cookies and bodies stay out of the reports.
            options.setSendDefaultPii(false);
            options.setMaxQueueSize(MAX_QUEUED_EVENTS);
            options.setFlushTimeoutMillis(FLUSH_MILLIS);
            options.setShutdownTimeoutMillis(FLUSH_MILLIS);
            // Sessions are a mobile idea; a server reports errors only.
            options.setEnableAutoSessionTracking(false);
        });
        SentryLogAppender appender = null;
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            appender = new SentryLogAppender();
            appender.setContext(context);
            appender.setName("SENTRY");
            appender.start();
            context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        }
        LoggerFactory.getLogger(ErrorReporting.class).info("Error reporting to Sentry is on (environment {})",
                errors.environment().isEmpty() ? profile : errors.environment());
        return new ErrorReporting(appender);
    }

    public boolean enabled() {
        return Sentry.isEnabled();
    }

    /** Sends what is queued, waiting at most timeoutMillis. */
    public void flush(long timeoutMillis) {
        if (Sentry.isEnabled()) {
            Sentry.flush(timeoutMillis);
        }
    }

    @Override
    public void close() {
        if (appender != null) {
            if (appender.getContext() instanceof LoggerContext context) {
                context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            }
            appender.stop();
            Sentry.flush(FLUSH_MILLIS);
            Sentry.close();
        }
    }

    private static String version() {
        String version = ErrorReporting.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
