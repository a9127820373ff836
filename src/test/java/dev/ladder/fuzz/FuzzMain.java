package dev.ladder.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.sessions.JqwikSession;

/**
 * The long fuzz run ({@code scripts/fuzz [--requests N] [--seed S]}): the same generator, target
 * and checks as {@link ApiFuzzTest}, for as many requests as asked (100,000 by default), printing
 * the counted outcome per endpoint. Exits 1 if any check failed.
 */
public final class FuzzMain {
    private FuzzMain() {
    }

    public static void main(String[] args) {
        try {
            // Outside a property jqwik needs a session for its generators' memory.
            JqwikSession.start();
            run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        long count = 100_000;
        long seed = System.nanoTime();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> count = Long.parseLong(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> {
                    System.err.println("usage: scripts/fuzz [--requests N] [--seed S]");
                    System.exit(2);
                }
            }
        }
        Path dataDir = Files.createTempDirectory("ladder-fuzz");
        FuzzRequests requests = new FuzzRequests(ApiDescription.bundled());
        Arbitrary<FuzzRequest> arbitrary = requests.requests();
        RandomGenerator<FuzzRequest> generator = arbitrary.generator(1000);
        Random random = new Random(seed);
        long failed;
        long started = System.nanoTime();
        try (FuzzTarget target = FuzzTarget.start(dataDir); FuzzRunner runner = new FuzzRunner(target)) {
            System.out.printf("fuzzing %d endpoints with %d requests, seed %d%n", requests.endpoints().size(), count, seed);
            for (long i = 1; i <= count; i++) {
                runner.run(generator.next(random).value());
                if (i % 10_000 == 0) {
                    System.out.printf("  %d requests, %d failures, %.0f s%n", i, runner.tally().failureCount(), (System.nanoTime() - started) / 1e9);
                }
            }
            System.out.print(runner.tally().report());
            failed = runner.tally().failureCount();
        } finally {
            ApiFuzzTest.delete(dataDir);
        }
        System.out.printf("took %.0f s; %s%n", (System.nanoTime() - started) / 1e9, failed == 0 ? "all checks passed" : failed + " failures");
        System.exit(failed == 0 ? 0 : 1);
    }
}
