package dev.ladder.errors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.ladder.http.RequestIds;
import io.sentry.Sentry;
import io.sentry.SentryEvent;
import io.sentry.SentryLevel;
import io.sentry.protocol.Message;
import java.util.Date;
import java.util.Map;

/**
 * Sends each ERROR logged to Sentry as an event: the exception (with its stack) when there is one,
 * the formatted message, the logger, the thread, and the request id from the logging MDC as the tag
 * {@value ErrorReporting#REQUEST_ID_TAG}, so a report leads to the request's log lines and the
 * client's X-Request-Id leads to the report. (Sentry's own logback module does the same; it is not
 * in this project's Maven mirror, and these few lines are all the project needs of it.)
 */
final class SentryLogAppender extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent logged) {
        if (!logged.getLevel().isGreaterOrEqual(Level.ERROR) || logged.getLoggerName().startsWith("io.sentry")) {
            return;
        }
        IThrowableProxy proxy = logged.getThrowableProxy();
        SentryEvent event = proxy instanceof ThrowableProxy thrown ? new SentryEvent(thrown.getThrowable()) : new SentryEvent();
        event.setTimestamp(new Date(logged.getTimeStamp()));
        Message message = new Message();
        message.setFormatted(logged.getFormattedMessage());
        message.setMessage(logged.getMessage());
        event.setMessage(message);
        event.setLevel(SentryLevel.ERROR);
        event.setLogger(logged.getLoggerName());
        event.setExtra("thread", logged.getThreadName());
        Map<String, String> mdc = logged.getMDCPropertyMap();
        String requestId = mdc == null ? null : mdc.get(RequestIds.MDC_KEY);
        if (requestId != null) {
            event.setTag(ErrorReporting.REQUEST_ID_TAG, requestId);
        }
        Sentry.captureEvent(event);
    }
}
