package dev.ladder.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CachePolicyTest {
    @Test
    void jitterOnlyShortensAnEntrysLifeAndStaysWithinItsShare() {
        CachePolicy policy = new CachePolicy(Duration.ofSeconds(60), Duration.ofSeconds(5), 10);

        LongSummaryStatistics values = IntStream.range(0, 10_000).mapToLong(i -> policy.entryTtlMillis(true)).summaryStatistics();
        LongSummaryStatistics absent = IntStream.range(0, 10_000).mapToLong(i -> policy.entryTtlMillis(false)).summaryStatistics();

        assertThat(values.getMax()).isLessThanOrEqualTo(60_000);
        assertThat(values.getMin()).isGreaterThanOrEqualTo(54_000);
        assertThat(values.getMax() - values.getMin()).as("entries are spread, not all equal").isGreaterThan(1_000);
        assertThat(absent.getMax()).isLessThanOrEqualTo(5_000);
        assertThat(absent.getMin()).isGreaterThanOrEqualTo(4_500);
    }

    @Test
    void withoutJitterEveryEntryLivesTheWholeTtl() {
        CachePolicy policy = CachePolicy.of(Duration.ofSeconds(3));

        assertThat(IntStream.range(0, 100).mapToLong(i -> policy.entryTtlMillis(true)).distinct()).containsExactly(3_000L);
        assertThat(policy.remembersAbsence()).isFalse();
    }

    @Test
    void absenceIsNeverRememberedLongerThanAValue() {
        CachePolicy policy = new CachePolicy(Duration.ofSeconds(3), Duration.ofSeconds(5), 0);

        assertThat(policy.negativeTtl()).isEqualTo(Duration.ofSeconds(3));
    }
}
