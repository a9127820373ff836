package dev.ladder.ids;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdGeneratorTest {
    private static final long NOW = Instant.parse("2026-11-28T12:00:00Z").toEpochMilli();

    @Test
    void idsAreStrictlyIncreasingAndCarryTimeAndNode() {
        IdGenerator ids = new IdGenerator(7, () -> NOW);
        long previous = 0;
        for (int i = 0; i < 10_000; i++) {
            long id = ids.next();
            assertThat(id).isGreaterThan(previous);
            previous = id;
        }
        long first = new IdGenerator(7, () -> NOW).next();
        assertThat(IdGenerator.timeOf(first)).isEqualTo(Instant.ofEpochMilli(NOW));
        assertThat(IdGenerator.nodeOf(first)).isEqualTo(7);
        assertThat(first).isPositive();
    }

    @Test
    void moreThan4096IdsInOneMillisecondBorrowTheNextMillisecondInsteadOfRepeating() {
        IdGenerator ids = new IdGenerator(1, () -> NOW);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 3 * 4096; i++) {
            assertThat(seen.add(ids.next())).isTrue();
        }
    }

    @Test
    void aClockThatStepsBackNeverProducesADuplicateOrASmallerId() {
        AtomicLong clock = new AtomicLong(NOW);
        IdGenerator ids = new IdGenerator(3, clock::get);
        long before = ids.next();
        clock.set(NOW - 5_000);
        long after = ids.next();
        assertThat(after).isGreaterThan(before);
    }

    @Test
    void differentNodesNeverCollideInTheSameMillisecond() {
        Set<Long> seen = new HashSet<>();
        for (int node = 0; node < 1024; node += 97) {
            IdGenerator ids = new IdGenerator(node, () -> NOW);
            for (int i = 0; i < 100; i++) {
                assertThat(seen.add(ids.next())).isTrue();
            }
        }
    }

    @Test
    void refusesNodeIdsOutsideTenBits() {
        assertThatThrownBy(() -> new IdGenerator(1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IdGenerator(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesOnlyPositiveDecimalLongs() {
        assertThat(IdGenerator.parse("123")).hasValue(123);
        assertThat(IdGenerator.parse("9223372036854775807")).hasValue(Long.MAX_VALUE);
        assertThat(IdGenerator.parse("9223372036854775808")).isEmpty();
        assertThat(IdGenerator.parse("0")).isEmpty();
        assertThat(IdGenerator.parse("-1")).isEmpty();
        assertThat(IdGenerator.parse("+1")).isEmpty();
        assertThat(IdGenerator.parse("12a")).isEmpty();
        assertThat(IdGenerator.parse("")).isEmpty();
        assertThat(IdGenerator.parse(null)).isEmpty();
        assertThat(IdGenerator.parse("１２")).isEmpty(); // full-width digits
    }

    @Test
    void aLeasedGeneratorMintsOnlyWhileItsGrantLasts() {
        AtomicLong nanos = new AtomicLong(0);
        IdGenerator ids = IdGenerator.leased(() -> NOW, nanos::get);
        assertThat(ids.canMint()).isFalse();
        assertThat(ids.node()).isEqualTo(-1);
        assertThatThrownBy(ids::next).isInstanceOf(NodeIdUnavailableException.class);

        ids.grant(5, 0, NOW + 30_000, 1_000);
        assertThat(ids.canMint()).isTrue();
        assertThat(IdGenerator.nodeOf(ids.next())).isEqualTo(5);
        nanos.set(1_000); // the grant ran out (its end is exclusive)
        assertThat(ids.canMint()).isFalse();
        assertThatThrownBy(ids::next).isInstanceOf(NodeIdUnavailableException.class);

        ids.grant(5, 0, NOW + 30_000, 2_000); // renewed
        assertThat(ids.next()).isPositive();
        ids.revoke();
        assertThatThrownBy(ids::next).isInstanceOf(NodeIdUnavailableException.class);
    }

    @Test
    void aLeasedIdStartsAtThePreviousHoldersEndAndStopsBeforeItsOwn() {
        IdGenerator ids = IdGenerator.leased(() -> NOW, () -> 0);
        long previousEnd = NOW + 2_000; // the previous holder's clock ran ahead of ours
        ids.grant(9, previousEnd, previousEnd + 3, Long.MAX_VALUE);
        long first = ids.next();
        assertThat(IdGenerator.timeOf(first).toEpochMilli()).isGreaterThanOrEqualTo(previousEnd);
        // 4096 ids per millisecond: three milliseconds' worth, then the ceiling (the lease's expiry) stops it.
        int minted = 1;
        try {
            while (minted < 4 * 4096) {
                assertThat(IdGenerator.timeOf(ids.next()).toEpochMilli()).isLessThan(previousEnd + 3);
                minted++;
            }
        } catch (NodeIdUnavailableException expected) {
            assertThat(minted).isBetween(3 * 4096 - 2, 3 * 4096);
            return;
        }
        throw new AssertionError("minted past the lease's end");
    }

    @Test
    void aConfiguredIdCannotBeLeased() {
        IdGenerator ids = new IdGenerator(3, () -> NOW);
        assertThatThrownBy(() -> ids.grant(4, 0, NOW + 1, 1)).isInstanceOf(IllegalStateException.class);
        ids.revoke(); // no effect on a configured id
        assertThat(ids.canMint()).isTrue();
        assertThat(IdGenerator.nodeOf(ids.next())).isEqualTo(3);
    }

    @Test
    void anIdRefusedAtTheLeasesEndLeavesNoGapForADuplicateAfterARenewal() {
        AtomicLong clock = new AtomicLong(NOW);
        IdGenerator ids = IdGenerator.leased(clock::get, () -> 0);
        ids.grant(2, 0, NOW + 1, Long.MAX_VALUE);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            assertThat(seen.add(ids.next())).isTrue();
        }
        clock.set(NOW + 1); // at the lease's end: refused
        assertThatThrownBy(ids::next).isInstanceOf(NodeIdUnavailableException.class);
        ids.grant(2, 0, NOW + 30_000, Long.MAX_VALUE); // renewed
        clock.set(NOW); // and the clock steps back
        for (int i = 0; i < 6; i++) {
            assertThat(seen.add(ids.next())).isTrue();
        }
    }
}
