package dev.ladder.storage;

import dev.ladder.config.Config;
import java.time.Clock;

/** Opens the object store storage.kind names: for the server and for commands (publish-static). */
public final class ObjectStores {
    private ObjectStores() {
    }

    /** Local disk under storage.local.dir, or an S3 bucket. */
    public static ObjectStore open(Config config, Clock clock) {
        return switch (config.storage().kind()) {
            case local -> new LocalDiskObjectStore(config.storage().local().resolvedDir(config.data().path()), config.storage().publicBaseUrl());
            case s3 -> S3ObjectStore.open(config.storage(), clock);
        };
    }
}
