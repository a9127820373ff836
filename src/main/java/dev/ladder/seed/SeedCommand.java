package dev.ladder.seed;

import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.config.ConfigOptions;
import dev.ladder.db.Database;
import dev.ladder.ids.IdGenerator;
import dev.ladder.users.PasswordHasher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ladder seed}: fills the profile's database with benchmark users and posts (see
 * {@link Seeder}). Same configuration and database code as the server, so it seeds exactly what
 * the server will read. Run it while the server is stopped on the embedded profile (H2 allows one
 * process per database file); on single-box it may run beside a live server.
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = "Fill the database with benchmark users and posts (idempotent: re-running adds only what is missing).")
public final class SeedCommand implements Callable<Integer> {
    /** The node id of seeded rows' ids; servers run with small node ids, so the two never collide. */
    static final int SEED_NODE = 1023;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--users", defaultValue = "1000", description = "Users to have: seed_0000001.. (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--posts", defaultValue = "10000", description = "Seeded posts to have in all (default: ${DEFAULT-VALUE}).")
    long posts;

    @Option(names = "--zipf", defaultValue = "1.0", description = "Zipf exponent of posts per author (default: ${DEFAULT-VALUE}).")
    double zipf;

    @Option(names = "--batch", defaultValue = "1000", description = "Rows per batch and transaction (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "20261128", description = "Random seed: the same seed gives the same authors and texts.")
    long randomSeed;

    @Option(names = "--ids-out", description = "Write the newest post ids here, one per line, hottest first (for load plans).")
    Path idsOut;

    @Option(names = "--ids-count", defaultValue = "10000", description = "How many ids --ids-out writes (default: ${DEFAULT-VALUE}).")
    int idsCount;

    private final Map<String, String> env;
    private final PrintStream out;

    public SeedCommand() {
        this(System.getenv(), System.err);
    }

    SeedCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        Config config;
        Seeder.Plan plan;
        try {
            config = configOptions.load(env);
            plan = new Seeder.Plan(users, posts, zipf, batch, randomSeed);
        } catch (ConfigException e) {
            out.println("ladder seed: invalid configuration: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            out.println("ladder seed: " + e.getMessage());
            return 2;
        }
        if (idsCount < 1 || idsCount > 10_000_000) {
            out.println("ladder seed: --ids-count must be 1-10000000, got " + idsCount);
            return 2;
        }
        out.printf("Seeding the %s profile: %,d users, %,d posts (zipf %.2f, batches of %d); password of every seeded user: %s%n",
                config.profile(), plan.users(), plan.posts(), plan.zipfExponent(), plan.batchSize(), Seeder.PASSWORD);
        try (Database database = Database.open(config.database(), config.data().path(), "seed", new SimpleMeterRegistry())) {
            if (config.database().migrate()) {
                database.migrate(); // a fresh database gets its schema, as the server would give it
            }
            String passwordHash = new PasswordHasher(config.passwords()).hash(Seeder.PASSWORD);
            Seeder seeder = new Seeder(database.jdbi(), new IdGenerator(SEED_NODE), Clock.systemUTC(), out);
            Seeder.Result result = seeder.seed(plan, passwordHash);
            out.printf("Users: %,d found, %,d written in %.1f s. Posts: %,d found, %,d written in %.1f s (%,.0f posts/s).%n",
                    result.usersFound(), result.usersWritten(), result.usersTime().toMillis() / 1000.0,
                    result.postsFound(), result.postsWritten(), result.postsTime().toMillis() / 1000.0, result.postsPerSecond());
            if (idsOut != null) {
                int written = seeder.writeHotIds(idsOut, idsCount);
                out.printf("Wrote %,d post ids (newest first) to %s%n", written, idsOut);
            }
            return 0;
        } catch (RuntimeException e) {
            out.println("ladder seed: failed: " + e);
            return 1;
        }
    }
}
