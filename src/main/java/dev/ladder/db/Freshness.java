package dev.ladder.db;

/** What a read needs of the data it sees; services say it on every read they hand to {@link Reads}. */
public enum Freshness {
    /**
     * Must see every committed write: the primary. Writes' own reads, checks before a change, and
     * anything whose result is kept for others (a shared cache entry) read this way.
     */
    FRESH,
    /**
     * May lag the primary by the replica lag, but never behind the calling client's own writes
     * (see {@link ReadYourWrites}): a replica when there is one, else the primary.
     */
    MAY_BE_STALE
}
