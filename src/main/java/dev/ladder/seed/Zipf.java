package dev.ladder.seed;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Zipf's law over ranks 1..n: rank k is drawn with probability proportional to 1/k^s. A few low
 * ranks take most draws, as a few hot posts take most reads and a few prolific users write most
 * posts. Exact (inverse of a precomputed cumulative table), so n is bounded: 8 bytes a rank.
 */
public final class Zipf {
    /** 10 million ranks is 80 MB of table: the design's user count, and enough for any seed. */
    public static final int MAX_RANKS = 10_000_000;

    private final double[] cumulative;

    public Zipf(int ranks, double exponent) {
        if (ranks < 1 || ranks > MAX_RANKS) {
            throw new IllegalArgumentException("ranks must be 1-" + MAX_RANKS + ", got " + ranks);
        }
        if (!(exponent >= 0 && exponent <= 10)) {
            throw new IllegalArgumentException("exponent must be 0-10, got " + exponent);
        }
        cumulative = new double[ranks];
        double sum = 0;
        for (int rank = 1; rank <= ranks; rank++) {
            sum += 1 / Math.pow(rank, exponent);
            cumulative[rank - 1] = sum;
        }
        for (int i = 0; i < ranks; i++) {
            cumulative[i] /= sum;
        }
        cumulative[ranks - 1] = 1.0; // no rounding gap at the top
    }

    public int ranks() {
        return cumulative.length;
    }

    /** A rank from 1 (the most likely) to ranks(). */
    public int sample(RandomGenerator random) {
        double u = random.nextDouble();
        int index = Arrays.binarySearch(cumulative, u);
        // Not found: (-(insertion point) - 1); the insertion point is the first entry above u.
        int rank = (index >= 0 ? index : -index - 1) + 1;
        return Math.min(rank, cumulative.length);
    }

    /** The share of all draws that land on rank (1-based). */
    public double probability(int rank) {
        double below = rank == 1 ? 0 : cumulative[rank - 2];
        return cumulative[rank - 1] - below;
    }
}
