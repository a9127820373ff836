package dev.ladder.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped logback.xml, loaded into a context of its own: stdout only by default; with
 * ladder.logDir, JSON lines in app.log and access.log (the access log in its own file only),
 * rolled and gzipped at ladder.logMaxFileSize, and stdout down to WARN.
 */
class LogFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutALogDirEverythingGoesToStdoutAndNoFileAppears(@TempDir Path dir) throws Exception {
        LoggerContext context = configure(Map.of());
        try {
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(appenderNames(root)).containsExactly("STDOUT");
            assertThat(stdoutDecides(root, Level.INFO)).isNotEqualTo(FilterReply.DENY);
        } finally {
            context.stop();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void withALogDirTheJsonLinesGoToRolledFiles(@TempDir Path dir) throws Exception {
        LoggerContext context = configure(Map.of("ladder.logDir", dir.toString(), "ladder.logMaxFileSize", "4KB"));
        try {
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(appenderNames(root)).containsExactlyInAnyOrder("STDOUT", "APP_FILE");
            assertThat(stdoutDecides(root, Level.INFO)).as("stdout keeps WARN and above").isEqualTo(FilterReply.DENY);
            assertThat(stdoutDecides(root, Level.WARN)).isNotEqualTo(FilterReply.DENY);

            org.slf4j.MDC.put("requestId", "req-files-1");
            try {
                context.getLogger("dev.ladder.Main").info("node up");
                context.getLogger("access").info("GET /api/posts 200");
            } finally {
                org.slf4j.MDC.remove("requestId");
            }
            List<JsonNode> app = lines(dir.resolve("app.log"));
            List<JsonNode> access = lines(dir.resolve("access.log"));
            assertThat(app).singleElement().satisfies(line -> {
                assertThat(line.path("formattedMessage").asText()).isEqualTo("node up");
                assertThat(line.path("level").asText()).isEqualTo("INFO");
                assertThat(line.path("mdc").path("requestId").asText()).isEqualTo("req-files-1");
            });
            assertThat(access).singleElement()
                    .satisfies(line -> assertThat(line.path("formattedMessage").asText()).isEqualTo("GET /api/posts 200"));

            // Past ladder.logMaxFileSize the file rolls over: the old part is gzipped beside it.
            String padding = "x".repeat(200);
            for (int i = 0; i < 200; i++) {
                context.getLogger("dev.ladder.Filler").info("line {} {}", i, padding);
            }
            await("a rolled, gzipped app log").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> rolled(dir).size() >= 2);
            for (Path archive : rolled(dir)) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
                    String first = new String(in.readAllBytes()).lines().findFirst().orElseThrow();
                    assertThat(JSON.readTree(first).has("formattedMessage")).as(archive.toString()).isTrue();
                }
            }
            assertThat(Files.size(dir.resolve("app.log"))).as("the live file stays near the cap").isLessThan(8 * 1024);
        } finally {
            context.stop();
        }
    }

    private static LoggerContext configure(Map<String, String> properties) throws Exception {
        LoggerContext context = new LoggerContext();
        // The process's MDC (where the request id lives), as the real context has it.
        context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
        properties.forEach(context::putProperty);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogFilesTest.class.getResource("/logback.xml"));
        List<Status> errors = context.getStatusManager().getCopyOfStatusList().stream()
                .filter(status -> status.getEffectiveLevel() >= Status.WARN).toList();
        assertThat(errors).as("logback's complaints about logback.xml").isEmpty();
        return context;
    }

    private static List<String> appenderNames(Logger logger) {
        java.util.ArrayList<String> names = new java.util.ArrayList<>();
        logger.iteratorForAppenders().forEachRemaining(appender -> names.add(appender.getName()));
        return names;
    }

    private static FilterReply stdoutDecides(Logger root, Level level) {
        Appender<ch.qos.logback.classic.spi.ILoggingEvent> stdout = root.getAppender("STDOUT");
        LoggingEvent event = new LoggingEvent("test", root, level, "probe", null, null);
        return stdout.getFilterChainDecision(event);
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(line -> !line.isBlank()).map(line -> {
            try {
                return JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + line, e);
            }
        }).toList();
    }

    private static List<Path> rolled(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().matches("app\\.\\d{4}-\\d{2}-\\d{2}\\.\\d+\\.log\\.gz")).toList();
        }
    }
}
