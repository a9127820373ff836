package dev.ladder.db;

import dev.ladder.config.Config;
import dev.ladder.ids.IdGenerator;
import dev.ladder.testing.TestApp;
import dev.ladder.users.PasswordHasher;
import dev.ladder.users.UserService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Map;

/**
 * Run in a child JVM by {@link EmbeddedDurabilityTest}: signs up users on the embedded profile's
 * database, each sign-up acknowledged (committed), prints how many, then dies at once as a killed
 * process would: no shutdown hooks, no close.
 */
public final class WriteThenHalt {
    private WriteThenHalt() {
    }

    public static void main(String[] args) {
        Config config = TestApp.config("embedded", Map.of("LADDER_DATA_DIR", args[0]));
        int count = Integer.parseInt(args[1]);
        Database database = Database.open(config.database(), config.data().path(), "halt", new SimpleMeterRegistry());
        database.migrate();
        UserService users = new UserService(database.jdbi(), new IdGenerator(9), new PasswordHasher(config.passwords()), Clock.systemUTC());
        for (int i = 0; i < count; i++) {
            users.signUp("durable_" + i, "durable" + i + "@example.com", "password123");
        }
        System.out.println("acknowledged " + count);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
