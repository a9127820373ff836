package dev.ladder.ops;

import dev.ladder.config.Config;

/** A started node as commands and tests see it: its ports and configuration; closing drains and stops it. */
public interface RunningNode extends AutoCloseable {
    /** The public port, or -1 on a node that serves no public API. */
    int apiPort();

    int adminPort();

    Config config();

    @Override
    void close();
}
