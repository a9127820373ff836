package dev.ladder.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher hasher = new PasswordHasher(new Config.Passwords(1024, 1, 1, 4, java.time.Duration.ofSeconds(1)));

    @Test
    void storesAnArgon2idPhcStringWithItsCostAndNotThePassword() {
        String hash = hasher.hash("correct horse battery");
        assertThat(hash).startsWith("$argon2id$v=19$m=1024,t=1,p=1$").doesNotContain("correct horse battery");
    }

    @Test
    void saltsEveryHash() {
        assertThat(hasher.hash("same password")).isNotEqualTo(hasher.hash("same password"));
    }

    @Test
    void matchesOnlyTheRightPassword() {
        String hash = hasher.hash("correct horse battery");
        assertThat(hasher.matches("correct horse battery", hash)).isTrue();
        assertThat(hasher.matches("correct horse batterY", hash)).isFalse();
        assertThat(hasher.matches("", hash)).isFalse();
    }

    @Test
    void checksOldHashesWithTheirOwnCostAfterTheCostChanges() {
        String oldHash = hasher.hash("kept across upgrades");
        PasswordHasher stronger = new PasswordHasher(new Config.Passwords(4096, 2, 1, 4, java.time.Duration.ofSeconds(1)));
        assertThat(stronger.matches("kept across upgrades", oldHash)).isTrue();
        assertThat(stronger.hash("x")).contains("m=4096,t=2,p=1");
    }
}
