package dev.ladder.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end for a test: its exit code and its output (stdout and stderr together). */
public final class Commands {
    private Commands() {
    }

    public record Run(int exitCode, String output) {
    }

    public static Run run(List<String> command, Duration timeout) throws Exception {
        return run(new ProcessBuilder(command).redirectErrorStream(true), timeout);
    }

    /**
     * Runs builder with its output to a temporary file (a pipe nobody reads could fill and stall
     * it); past timeout the process and its children are killed and the test fails with the output.
     */
    public static Run run(ProcessBuilder builder, Duration timeout) throws Exception {
        Path output = Files.createTempFile("ladder-command-", ".log");
        try {
            Process process = builder.redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", builder.command()) + " took over " + timeout + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
