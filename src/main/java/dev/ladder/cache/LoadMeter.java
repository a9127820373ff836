package dev.ladder.cache;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Optional;
import java.util.function.Supplier;

/** cache_loads_seconds{cache, result=found|absent|failed}: how often and how long a miss read the source. */
final class LoadMeter {
    private final Timer found;
    private final Timer absent;
    private final Timer failed;

    LoadMeter(String cache, MeterRegistry metrics) {
        this.found = timer(cache, "found", metrics);
        this.absent = timer(cache, "absent", metrics);
        this.failed = timer(cache, "failed", metrics);
    }

    private static Timer timer(String cache, String result, MeterRegistry metrics) {
        return Timer.builder("cache.loads").description("Loads from the source of truth after a miss")
                .tags("cache", cache, "result", result).register(metrics);
    }

    <V> Optional<V> time(Supplier<Optional<V>> load) {
        long started = System.nanoTime();
        try {
            Optional<V> loaded = load.get();
            (loaded.isPresent() ? found : absent).record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            return loaded;
        } catch (RuntimeException | Error e) {
            failed.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            throw e;
        }
    }
}
