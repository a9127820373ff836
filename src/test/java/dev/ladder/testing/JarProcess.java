package dev.ladder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built jar run as a real process, as an operator would run it: for what only a process can
 * show (signals, exit codes, stdout logs). Failsafe passes the jar's path as -Dladder.jar.
 */
public final class JarProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int apiPort;
    private final int adminPort;

    private JarProcess(Process process, Path log, int apiPort, int adminPort) {
        this.process = process;
        this.log = log;
        this.apiPort = apiPort;
        this.adminPort = adminPort;
    }

    /** Starts the jar with these environment overrides on free ports and waits until it is ready. */
    public static JarProcess start(Path workDir, Map<String, String> env, String... args) {
        return startJar(builtJar(), workDir, env, args);
    }

    /** The jar Maven built (-Dladder.jar). */
    public static Path builtJar() {
        String jar = System.getProperty("ladder.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("-Dladder.jar does not name the built jar (run through ./mvnw verify): " + jar);
        }
        return Path.of(jar);
    }

    /** Starts this jar (a copy of the built one, say) as {@link #start} does. */
    public static JarProcess startJar(Path jar, Path workDir, Map<String, String> env, String... args) {
        try {
            int apiPort = freePort();
            int adminPort = freePort();
            Path log = Files.createTempFile(workDir, "ladder-", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> environment = new HashMap<>(env);
            environment.put("LADDER_HTTP_PORT", Integer.toString(apiPort));
            environment.put("LADDER_HTTP_ADMIN_PORT", Integer.toString(adminPort));
            environment.putIfAbsent("LADDER_PASSWORDS_ARGON2_MEMORY_KIB", "1024");
            environment.putIfAbsent("LADDER_PASSWORDS_ARGON2_ITERATIONS", "1");
            builder.environment().putAll(environment);
            JarProcess started = new JarProcess(builder.start(), log, apiPort, adminPort);
            started.awaitReady(Duration.ofSeconds(60));
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a run that was expected to end by itself left: its exit code and output. */
    public record Exit(int code, String output) {
    }

    /** Runs the jar with exactly these LADDER_ settings (plus free ports) and waits for it to exit by itself. */
    public static Exit runToExit(Path workDir, Map<String, String> env, Duration timeout, String... args) {
        String jar = System.getProperty("ladder.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("-Dladder.jar does not name the built jar (run through ./mvnw verify): " + jar);
        }
        try {
            Path log = Files.createTempFile(workDir, "ladder-", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("LADDER_HTTP_PORT", Integer.toString(freePort()));
            builder.environment().put("LADDER_HTTP_ADMIN_PORT", Integer.toString(freePort()));
            builder.environment().putAll(env);
            JarProcess run = new JarProcess(builder.start(), log, -1, -1);
            int code = run.awaitExit(timeout);
            return new Exit(code, run.output());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        Api admin = new Api(adminUri());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ladder exited with " + process.exitValue() + " before it was ready:\n" + output());
            }
            try {
                if (admin.get("/health/ready").status() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("ladder was not ready within " + timeout + ":\n" + output());
    }

    public URI apiUri() {
        return URI.create("http://127.0.0.1:" + apiPort);
    }

    public URI adminUri() {
        return URI.create("http://127.0.0.1:" + adminPort);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as an orchestrator stops a node. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL: the node dies mid-flight. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Waits for the process to end and returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("ladder did not exit within " + timeout + ":\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(20));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
