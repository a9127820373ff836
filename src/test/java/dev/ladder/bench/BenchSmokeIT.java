package dev.ladder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A smoke of the benchmark tooling, not a benchmark: scripts/bench runs a few seconds of the
 * read-hot plan on the embedded profile and must produce its results and its report. It asserts
 * that things were produced and that nothing failed, never how fast anything was.
 */
class BenchSmokeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aShortRunProducesTheDashboardTheSummaryAndTheProfile() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path out = root.resolve("target/bench-smoke/results");
        Path state = root.resolve("target/bench-smoke/state");
        Path jar = Path.of(System.getProperty("ladder.jar", "target/ladder.jar")).toAbsolutePath();
        Path log = root.resolve("target/bench-smoke/bench.out");
        Files.createDirectories(log.getParent());

        // Every step runs, each as short as it can be: no warm-up (a smoke needs no warm JIT), 1 s wrk
        // runs, JMeter's shortest window, a small heap (quicker to start), and no pinning, so the run
        // takes whichever core is free on a busy CI machine. About 35 s on a loaded 2-core box.
        Process bench = new ProcessBuilder(List.of("bash", "scripts/bench", "embedded", "read-hot",
                "--duration", "3", "--warmup", "0", "--wrk-duration", "1", "--connections", "8", "--threads", "4",
                "--users", "20", "--posts", "300", "--heap", "256m", "--no-pin", "--no-build", "--jar", jar.toString(),
                "--out", out.toString(), "--state", state.toString()))
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = bench.waitFor(4, TimeUnit.MINUTES);
        if (!finished) {
            bench.descendants().forEach(ProcessHandle::destroy);
            bench.destroy();
        }
        String output = Files.readString(log);
        assertThat(finished).as("scripts/bench finished in time:\n" + output).isTrue();
        assertThat(bench.exitValue()).as(output).isZero();

        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(summary.path("stage").asText()).isEqualTo("embedded");
        assertThat(summary.path("plan").asText()).isEqualTo("read-hot");
        JsonNode total = summary.path("jmeter").path("total");
        assertThat(total.path("samples").asLong()).isPositive();
        assertThat(total.path("errors").asLong()).isZero();
        assertThat(total.has("p99_ms")).isTrue();
        assertThat(summary.path("jmeter").path("samplers").has("Read post by id")).isTrue();
        assertThat(summary.path("wrk").path("baseline").path("requests").asLong()).isPositive();
        assertThat(summary.path("wrk").path("app").path("non2xx").asLong()).isZero();
        assertThat(summary.path("verdict").asText()).isNotBlank();

        assertThat(out.resolve("jmeter/reports/read-hot/index.html")).isRegularFile();
        assertThat(out.resolve("app.jfr")).isRegularFile();
        List<String> profile = Files.readAllLines(out.resolve("profile.md"));
        assertThat(profile.getFirst()).startsWith("# Profile: embedded / read-hot");
        assertThat(profile.getLast()).startsWith("Verdict: the bottleneck is ");

        // The seeded state is reused: a second run would only check it (nothing left running either).
        assertThat(state.resolve("embedded/hot-ids.txt")).isRegularFile();
        assertThat(new File("/proc").list((dir, name) -> name.matches("\\d+") && isOurApp(name, out))).isEmpty();
    }

    /** A java process still running from the results folder would be an app the script failed to stop. */
    private static boolean isOurApp(String pid, Path out) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", pid, "cwd")).equals(out);
        } catch (Exception e) {
            return false;
        }
    }
}
