package dev.ladder.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The short fuzz run of every build: a few thousand requests generated from the OpenAPI
 * description, spread evenly over every endpoint, against a real node. Every answer is a
 * non-5xx without leaked internals, and a refused request changes nothing stored. The long run
 * is {@code scripts/fuzz} ({@link FuzzMain}); a failure here prints the request to replay.
 */
class ApiFuzzTest {
    static final int TRIES = 2_500;

    private static Path dataDir;
    private static FuzzTarget target;
    private static FuzzRunner runner;
    private static FuzzRequests requests;

    @BeforeContainer
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("ladder-fuzz");
        requests = new FuzzRequests(ApiDescription.bundled());
        target = FuzzTarget.start(dataDir);
        runner = new FuzzRunner(target);
    }

    @Property(tries = TRIES, generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.OFF, afterFailure = net.jqwik.api.AfterFailureMode.RANDOM_SEED)
    void noAnswerIsA5xxOrLeaksInternalsAndNoRefusalChangesAnything(@ForAll("requests") FuzzRequest request) {
        assertThat(runner.run(request)).as("%s", request.describe(target)).isEmpty();
    }

    @Provide
    Arbitrary<FuzzRequest> requests() {
        return requests.requests();
    }

    @AfterContainer
    static void stop() {
        try {
            if (runner != null) {
                System.out.println(runner.tally().report());
                assertThat(runner.tally().byEndpoint.keySet()).as("every endpoint was fuzzed")
                        .containsExactlyInAnyOrderElementsOf(requests.endpoints().stream().map(Object::toString).toList());
                runner.close();
            }
        } finally {
            if (target != null) {
                target.close();
            }
            delete(dataDir);
        }
    }

    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
