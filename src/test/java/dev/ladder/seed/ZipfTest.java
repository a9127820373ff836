package dev.ladder.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfTest {
    @Test
    void rankOneIsDrawnAsOftenAsTheLawSays() {
        Zipf zipf = new Zipf(1000, 1.0);
        SplittableRandom random = new SplittableRandom(42);
        int[] counts = new int[1001];
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            counts[zipf.sample(random)]++;
        }
        // H(1000) = 7.485, so rank 1 has 13.4 % and rank 2 half of that.
        assertThat(counts[1] / (double) draws).isCloseTo(zipf.probability(1), within(0.005));
        assertThat(zipf.probability(1)).isCloseTo(1 / 7.4855, within(0.0005));
        assertThat(counts[2] / (double) counts[1]).isCloseTo(0.5, within(0.03));
        assertThat(counts[0]).isZero();
    }

    @Test
    void exponentZeroIsUniformAndEveryDrawIsInRange() {
        Zipf zipf = new Zipf(10, 0.0);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            assertThat(zipf.sample(random)).isBetween(1, 10);
        }
        assertThat(zipf.probability(7)).isCloseTo(0.1, within(1e-9));
    }

    @Test
    void refusesUnboundedTables() {
        assertThatThrownBy(() -> new Zipf(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Zipf(Zipf.MAX_RANKS + 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Zipf(10, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
